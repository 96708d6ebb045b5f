using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Peers;

/// <summary>
/// The server endpoint of a host: every connection of an inner endpoint (remote players over the network) plus one
/// local connection, the host's own player, whose messages are handed over in memory (no packets, no encryption, no
/// socket) and arrive as ordinary message events, so the layers above (input buffers, RPCs, budgets) treat the host's
/// player exactly like a remote one. What the server sends to the local connection is not delivered anywhere: the
/// local player lives in the server's world and reads it directly; such sends are only counted.
/// </summary>
internal sealed class LoopbackEndpoint : IServerEndpoint
{
    /// <summary>Messages the local player may queue per tick (its inputs, RPCs): a bug that floods stops here.</summary>
    public const int MaxLocalMessagesPerTick = 256;

    /// <summary>Bytes the local player may queue per tick.</summary>
    public const int MaxLocalBytesPerTick = 64 * 1024;

    private readonly IServerEndpoint inner;

    // Remote connections that presented the local player's client id, disconnected at once; their events are hidden
    // until their Disconnected event, so the layers above never see them (at most a few at a time: each leaves).
    private readonly HashSet<ConnectionId> impostors = new();
    private EventQueue filling = new(MaxLocalMessagesPerTick, MaxLocalBytesPerTick);
    private EventQueue delivering = new(MaxLocalMessagesPerTick, MaxLocalBytesPerTick);
    private bool innerDrained;
    private int generation;

    public LoopbackEndpoint(IServerEndpoint inner, ulong localClientId)
    {
        this.inner = inner;
        LocalClientId = localClientId;
    }

    /// <summary>The local player's connection; its slot (-1) is never one of a transport server's.</summary>
    public ConnectionId LocalConnection => new(-1, generation);

    /// <summary>The local player's client id.</summary>
    public ulong LocalClientId { get; }

    /// <summary>True while the local player is connected.</summary>
    public bool LocalConnected { get; private set; }

    /// <summary>Messages the server addressed to the local connection (not delivered: the local player reads the world).</summary>
    public long LocalSendsDiscarded { get; private set; }

    /// <summary>Messages of the local player refused because the per-tick budget was spent.</summary>
    public long LocalMessagesRefused { get; private set; }

    public IServerEndpoint Inner => inner;

    public NetAddress LocalAddress => inner.LocalAddress;

    public TimeProvider Clock => inner.Clock;

    public int ConnectionCount => inner.ConnectionCount + (LocalConnected ? 1 : 0);

    public int MaxUnfragmentedMessageSize => inner.MaxUnfragmentedMessageSize;

    public bool IsLocal(ConnectionId connection) => connection.Slot == -1;

    /// <summary>Connects the local player: its Connected event comes with the next receive.</summary>
    public void ConnectLocal()
    {
        if (LocalConnected) return;
        generation++;
        LocalConnected = true;
        filling.AddConnected(LocalConnection, LocalClientId);
    }

    /// <summary>Queues a message from the local player for the next receive.</summary>
    public SendResult SendFromLocal(ReadOnlySpan<byte> message)
    {
        if (!LocalConnected) return SendResult.NotConnected;
        if (message.IsEmpty) return SendResult.Empty;
        if (!filling.CanAccept(message.Length))
        {
            LocalMessagesRefused++;
            return SendResult.DroppedQueueFull;
        }

        filling.AddMessage(LocalConnection, LocalClientId, ChannelKind.ReliableOrdered, message);
        return SendResult.Queued;
    }

    public void Update()
    {
        inner.Update();
        Swap();
    }

    public void Receive()
    {
        inner.Receive();
        Swap();
    }

    /// <summary>What the local player queued since the last receive becomes this tick's events (after the network's).</summary>
    private void Swap()
    {
        (filling, delivering) = (delivering, filling);
        // Recycles last tick's arena once all of it was polled; the clock only times the shrink after a burst.
        filling.BeginUpdate(System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency);
        innerDrained = false;
    }

    public void Flush() => inner.Flush();

    public bool TryPollEvent(out NetEvent netEvent)
    {
        while (!innerDrained)
        {
            if (!inner.TryPollEvent(out netEvent))
            {
                innerDrained = true;
                break;
            }

            if (!Hidden(in netEvent)) return true;
        }

        return delivering.TryPoll(out netEvent);
    }

    /// <summary>Remote connections refused since the host started because they presented the local player's client id.</summary>
    public long ImpostorsRefused { get; private set; }

    /// <summary>
    /// The local player's client id is the host's, whether it plays now or not: a remote connection that presents it (a
    /// token for the host's own identity, or any id in insecure mode) would otherwise be taken for the host's player
    /// coming back and be handed its entities. A dedicated server refuses a second connection of one client id
    /// (<see cref="DisconnectReason.AlreadyConnected"/>); the host does the same for its local player.
    /// </summary>
    private bool Hidden(in NetEvent netEvent)
    {
        if (netEvent.Type == NetEventType.Connected && netEvent.ClientId == LocalClientId)
        {
            impostors.Add(netEvent.Connection);
            ImpostorsRefused++;
            inner.Disconnect(netEvent.Connection, DisconnectReason.AlreadyConnected);
            return true;
        }

        if (impostors.Count == 0 || !impostors.Contains(netEvent.Connection)) return false;
        if (netEvent.Type == NetEventType.Disconnected) impostors.Remove(netEvent.Connection);
        return true;
    }

    public SendResult Send(ConnectionId connection, ChannelKind channel, ReadOnlySpan<byte> message)
    {
        if (!IsLocal(connection)) return inner.Send(connection, channel, message);
        if (!LocalConnected || connection != LocalConnection) return SendResult.NotConnected;
        LocalSendsDiscarded++;
        return SendResult.Queued;
    }

    public SendResult SendTracked(ConnectionId connection, ReadOnlySpan<byte> message, uint receipt)
    {
        if (!IsLocal(connection)) return inner.SendTracked(connection, message, receipt);
        if (!LocalConnected || connection != LocalConnection) return SendResult.NotConnected;
        LocalSendsDiscarded++; // the host's own player reads the world: nothing is sent, so nothing is reported
        return SendResult.Queued;
    }

    public void Broadcast(ChannelKind channel, ReadOnlySpan<byte> message) => inner.Broadcast(channel, message);

    public void Disconnect(ConnectionId connection, DisconnectReason reason = DisconnectReason.Kicked)
    {
        if (!IsLocal(connection))
        {
            inner.Disconnect(connection, reason);
            return;
        }

        if (!LocalConnected || connection != LocalConnection) return;
        LocalConnected = false;
        filling.AddDisconnected(connection, LocalClientId, reason);
    }

    public void DisconnectWhenDelivered(ConnectionId connection, DisconnectReason reason, TimeSpan within)
    {
        // A remote player waits for its acknowledgements on the network (a player host's session ending as a game server's
        // does); the host's own player has nothing in flight.
        if (!IsLocal(connection)) inner.DisconnectWhenDelivered(connection, reason, within);
        else Disconnect(connection, reason);
    }

    public bool TryGetStats(ConnectionId connection, out NetStats stats)
    {
        if (!IsLocal(connection)) return inner.TryGetStats(connection, out stats);
        stats = default;
        return LocalConnected && connection == LocalConnection;
    }

    public bool TryGetAddress(ConnectionId connection, out NetAddress address)
    {
        if (!IsLocal(connection)) return inner.TryGetAddress(connection, out address);
        address = default; // no address: the local player has no network path
        return LocalConnected && connection == LocalConnection;
    }
}
