using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// The links of one peer to the others in shared-authority mode, over the ordinary transport (handshake, connect
/// tokens, AEAD, budgets): the peer's own <see cref="NetServer"/>, which the peers with higher ids connect to, and one
/// <see cref="NetClient"/> per peer with a lower id, which this peer connects to. Every peer is thus linked to every
/// other once, and only once: a link from a peer whose id is not higher than this one's (the wrong direction: this peer
/// connects to it) or from a peer linked already is cut as soon as it is up (<see cref="LinksRefused"/>), so no peer
/// holds two links it could drop one at a time. A sender is known by the client id its connect token carries (a
/// server-side connection) or by the peer this client connected to, never by what a message says. Not thread-safe:
/// drive it from the tick thread.
/// </summary>
public sealed partial class PeerMesh : IDisposable
{
    private readonly NetServer server;
    private readonly List<(ulong Peer, NetClient Client)> outgoing = new();
    private readonly Dictionary<ConnectionId, ulong> incoming = new();
    private bool disposed;

    /// <summary>Creates the mesh of <paramref name="peerId"/> around its server.</summary>
    /// <param name="peerId">This peer's id (the client id in the tokens it connects with).</param>
    /// <param name="server">The server the peers with higher ids connect to.</param>
    public PeerMesh(ulong peerId, NetServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        PeerId = peerId;
        this.server = server;
    }

    /// <summary>This peer's id.</summary>
    public ulong PeerId { get; }

    /// <summary>
    /// Links other peers opened to this peer's server that it cut as soon as they were up, unread: from a peer with an id
    /// not higher than this one's (<see cref="DisconnectReason.Rejected"/>: this peer connects to those itself), or from a
    /// peer linked already (<see cref="DisconnectReason.AlreadyConnected"/>).
    /// </summary>
    public long LinksRefused { get; private set; }

    /// <summary>The peers linked now (connected either way), each once.</summary>
    public IEnumerable<ulong> ConnectedPeers =>
        incoming.Values.Concat(outgoing.Where(o => o.Client.State == ClientState.Connected).Select(o => o.Peer));

    /// <summary>Raised when a link to a peer is established (either way): what this peer owns should be sent to it again.</summary>
    public event Action<ulong>? PeerConnected;

    /// <summary>Raised when a link to a peer ends (it left, or went silent past the token's timeout: a crashed peer).</summary>
    public event Action<ulong>? PeerDisconnected;

    /// <summary>Raised when a message from a linked peer arrives: the sending peer's id and the bytes (valid during the call).</summary>
    public event Action<ulong, ReadOnlySpan<byte>>? Received;

    /// <summary>Links to a peer with a lower id through <paramref name="client"/>, which is connecting or will be.</summary>
    /// <param name="peerId">The peer's id.</param>
    /// <param name="client">A client whose <c>Connect</c> names that peer's server.</param>
    /// <exception cref="ArgumentException">The peer's id is not lower than this peer's, or it has a link already.</exception>
    public void AddOutgoing(ulong peerId, NetClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (peerId >= PeerId) throw new ArgumentException("A peer connects to the peers with lower ids; higher ones connect to it.", nameof(peerId));
        foreach (var (peer, _) in outgoing)
        {
            if (peer == peerId) throw new ArgumentException($"Peer {peerId} has a link already: reconnect its client instead.", nameof(peerId));
        }

        outgoing.Add((peerId, client));
    }

    /// <summary>Receives from every link and raises <see cref="Received"/> for each message.</summary>
    /// <exception cref="ObjectDisposedException">This peer left the mesh (<see cref="Dispose"/>); its message says what to do.</exception>
    public void Receive()
    {
        ThrowIfLeft();
        server.Receive();
        while (server.TryPollEvent(out var e))
        {
            switch (e.Type)
            {
                case NetEventType.Connected:
                    if (Refusal(e.ClientId) is { } refusal)
                    {
                        // Unlisted, so its messages are not read and its Disconnected raises nothing.
                        LinksRefused++;
                        PeerMetrics.LinksRefused.Add(1, new KeyValuePair<string, object?>(PeerMetrics.PeerTag, PeerId));
                        server.Disconnect(e.Connection, refusal);
                        break;
                    }

                    incoming[e.Connection] = e.ClientId;
                    PeerConnected?.Invoke(e.ClientId);
                    break;
                case NetEventType.Disconnected:
                    if (incoming.Remove(e.Connection, out ulong gone)) PeerDisconnected?.Invoke(gone);
                    break;
                case NetEventType.Message when incoming.TryGetValue(e.Connection, out ulong from):
                    Received?.Invoke(from, e.Data.Span);
                    break;
            }
        }

        foreach (var (peer, client) in outgoing)
        {
            client.Receive();
            while (client.TryPollEvent(out var e))
            {
                if (e.Type == NetEventType.Message) Received?.Invoke(peer, e.Data.Span);
                else if (e.Type == NetEventType.Connected) PeerConnected?.Invoke(peer);
                else if (e.Type == NetEventType.Disconnected) PeerDisconnected?.Invoke(peer);
            }
        }
    }

    /// <summary>
    /// Why a link <paramref name="clientId"/> opened to this peer's server is cut, or null to keep it. A second link of one
    /// peer would let it be taken for gone (and its record wiped) while the other stays up.
    /// </summary>
    private DisconnectReason? Refusal(ulong clientId)
    {
        if (clientId <= PeerId) return DisconnectReason.Rejected;
        foreach (ulong peer in incoming.Values)
        {
            if (peer == clientId) return DisconnectReason.AlreadyConnected; // the server refuses one client id twice; kept as a guard
        }

        return null;
    }

    /// <summary>Queues a message for every linked peer.</summary>
    /// <param name="channel">Its delivery guarantees.</param>
    /// <param name="message">The bytes (copied).</param>
    /// <returns>False when some link refused it (its queue is full): send it again later.</returns>
    public bool Broadcast(ChannelKind channel, ReadOnlySpan<byte> message)
    {
        bool all = true;
        foreach (var connection in incoming.Keys) all &= Queued(server.Send(connection, channel, message));
        foreach (var (_, client) in outgoing)
        {
            if (client.State == ClientState.Connected) all &= Queued(client.Send(channel, message));
        }

        return all;
    }

    private static bool Queued(SendResult result) => result is SendResult.Queued;

    /// <summary>Queues a message for one linked peer.</summary>
    /// <param name="peerId">The peer.</param>
    /// <param name="channel">Its delivery guarantees.</param>
    /// <param name="message">The bytes (copied).</param>
    /// <returns>False when no link to it is up or its queue is full: send it again later.</returns>
    public bool Send(ulong peerId, ChannelKind channel, ReadOnlySpan<byte> message)
    {
        foreach (var (connection, peer) in incoming)
        {
            if (peer == peerId) return Queued(server.Send(connection, channel, message));
        }

        foreach (var (peer, client) in outgoing)
        {
            if (peer == peerId && client.State == ClientState.Connected) return Queued(client.Send(channel, message));
        }

        return false;
    }

    /// <summary>
    /// Cuts every link to <paramref name="peerId"/>, telling it <paramref name="reason"/>: how a peer that broke the rules
    /// is dropped. A <see cref="PeerDisconnected"/> follows (at once for a link this peer connected, with the server's
    /// next events for one the other peer connected).
    /// </summary>
    /// <param name="peerId">The peer.</param>
    /// <param name="reason">Why, sent on the wire.</param>
    public void Disconnect(ulong peerId, DisconnectReason reason)
    {
        foreach (var (connection, peer) in incoming)
        {
            if (peer == peerId) server.Disconnect(connection, reason);
        }

        foreach (var (peer, client) in outgoing)
        {
            if (peer == peerId) client.Disconnect(reason);
        }
    }

    /// <summary>Sends what was queued on every link.</summary>
    /// <exception cref="ObjectDisposedException">This peer left the mesh (<see cref="Dispose"/>).</exception>
    public void Flush()
    {
        ThrowIfLeft();
        server.Flush();
        foreach (var (_, client) in outgoing) client.Flush();
    }

    /// <summary>
    /// Leaves the mesh: disconnects every link, so the other peers hear it at once rather than after the token's timeout,
    /// and disposes the server and clients (their transports too when they own them). Tick this peer's group no more.
    /// </summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var (_, client) in outgoing) client.Dispose();
        server.Dispose();
    }

    private void ThrowIfLeft()
    {
        if (disposed)
        {
            throw new ObjectDisposedException(nameof(PeerMesh),
                $"Peer {PeerId} left its mesh (PeerMesh.Dispose): stop ticking the group of its SharedAuthority (NetworkLoop.Remove(group)).");
        }
    }
}
