using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport.Packets;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The netcode.io rule against reflection: a server must never answer a datagram from an address that has not proved
/// it owns it (no connection yet) with more bytes than the datagram, or a spoofed source turns it into an amplifier.
/// Every datagram the server sends to such an address is checked against the one it was handling from that address
/// then (a send to it at any other moment is unsolicited, and fails too): random datagrams of every prefix byte and of
/// every handshake size, each with the right version or not; real requests and responses replayed from another address
/// (a challenge, a used token); real clients denied for their schema, for a full server and for a used token; on a
/// secure and an insecure server.
/// </summary>
public sealed class HandshakeAmplificationTests
{
    private const ulong ProtocolId = 0x5452_414B_544F_5231, SchemaHash = 0xC0FFEE;

    private static readonly int[] Lengths =
    [
        0, 1, 2, 9, 10, 24, 25, 26, 32, 33, 34, 49, 50, 51, 56, 57, 58,
        PacketLayout.RequestSize - 1, PacketLayout.RequestSize, PacketLayout.RequestSize + 1,
        PacketLayout.ResponseSize - 1, PacketLayout.ResponseSize, PacketLayout.ResponseSize + 1, 1200,
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void No_reply_to_an_address_without_a_connection_is_larger_than_the_datagram_it_answers(bool insecure)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        var network = new InMemoryNetwork();
        var key = ConnectTokenIssuer.GenerateServerKey();
        var honest = network.CreateTransport();
        var audit = new ReplyAudit(network.CreateTransport(), destination => !destination.Equals(honest.LocalAddress));
        // One slot, and no rate limit: every datagram reaches the handshake (the limit only makes the server quieter).
        using var server = new NetServer(audit, new NetServerOptions
        {
            ProtocolId = ProtocolId, SchemaHash = SchemaHash, PrivateKey = key, Insecure = insecure, MaxClients = 1,
            HandshakeRatePerSecond = 1e9, HandshakeBurst = 1e9,
        }, time);
        var issuer = new ConnectTokenIssuer(key, ProtocolId, time);

        // Random datagrams from one attacker address: every prefix byte, every length near a handshake packet's.
        var attacker = network.CreateTransport();
        var random = new Random(11);
        foreach (int length in Lengths)
        {
            for (int prefix = 0; prefix < 256; prefix++)
            {
                var datagram = new byte[length];
                random.NextBytes(datagram);
                if (length > 0) datagram[0] = (byte)prefix;
                if (length >= PacketLayout.RequestVersion + ConnectTokenLayout.VersionSize && (prefix & 1) == 0)
                    // Past the version check, or (bit 5 set) of another version, which a request of at least 17 bytes gets
                    // the VersionMismatch answer to (docs/PROTOCOL.md §3.7).
                    ((prefix & 0x20) == 0 ? ConnectTokenLayout.Version : "TRKNET00"u8).CopyTo(datagram.AsSpan(PacketLayout.RequestVersion));
                attacker.TrySend(datagram, audit.LocalAddress);
                server.Update();
                while (attacker.TryReceive(new byte[2048], out _, out _))
                {
                }
            }
        }

        // The honest client connects (its own address is not audited: it proves it owns it), its packets recorded.
        var client = new NetClient(honest, new NetClientOptions { ProtocolId = ProtocolId, SchemaHash = SchemaHash, Insecure = insecure }, time);
        if (insecure) client.ConnectInsecure(audit.LocalAddress, 1);
        else client.Connect(issuer.Issue(1, [], TimeSpan.FromMinutes(5), [audit.LocalAddress]));
        Run(time, server, client);
        Assert.Equal(ClientState.Connected, client.State);

        // Its handshake packets replayed from the attacker's address: a challenge at most (a used token: denied).
        foreach (var datagram in audit.Received(honest.LocalAddress).Where(d => (d[0] & PacketLayout.TypeMask) is 0 or 2 or 6 or 7))
        {
            attacker.TrySend(datagram, audit.LocalAddress);
            server.Update();
        }

        // Clients the server refuses, each from its own address: the wrong schema, then (one slot, taken) no room;
        // secure: the honest client's token again.
        var denied = new List<NetClient>
        {
            Refused(network, time, server, audit, issuer, insecure, SchemaHash + 1, clientId: 2),
            Refused(network, time, server, audit, issuer, insecure, SchemaHash, clientId: 3),
        };
        foreach (var refused in denied) Assert.NotEqual(ClientState.Connected, refused.State);

        Assert.Empty(audit.Violations);
        // Not vacuous: the server did answer unproven addresses, with challenges and denials.
        Assert.Contains((byte)PacketType.Challenge, audit.ReplyTypes);
        Assert.Contains((byte)PacketType.Denied, audit.ReplyTypes);
        Assert.Contains((byte)PacketType.VersionMismatch, audit.ReplyTypes);
        Assert.True(server.Counters.Denied >= 2, $"denied {server.Counters.Denied}");
    }

    private static NetClient Refused(InMemoryNetwork network, FakeTimeProvider time, NetServer server, ReplyAudit audit, ConnectTokenIssuer issuer,
        bool insecure, ulong schemaHash, ulong clientId)
    {
        var client = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = ProtocolId, SchemaHash = schemaHash, Insecure = insecure }, time);
        if (insecure) client.ConnectInsecure(audit.LocalAddress, clientId);
        else client.Connect(issuer.Issue(clientId, [], TimeSpan.FromMinutes(5), [audit.LocalAddress]));
        Run(time, server, client);
        return client;
    }

    private static void Run(FakeTimeProvider time, NetServer server, NetClient client)
    {
        for (int i = 0; i < 60 && client.State is not (ClientState.Connected or ClientState.Disconnected); i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            client.Update();
            server.Update();
        }
        client.Update();
    }

    /// <summary>
    /// The server's transport, checking every send to an audited address against the datagram being handled from that
    /// address at that moment.
    /// </summary>
    private sealed class ReplyAudit(IDatagramTransport inner, Func<NetAddress, bool> audited) : IDatagramTransport
    {
        private readonly List<(NetAddress Source, byte[] Datagram)> _received = [];
        private NetAddress _source;
        private int _length = -1;

        public List<string> Violations { get; } = [];
        public HashSet<byte> ReplyTypes { get; } = [];
        public NetAddress LocalAddress => inner.LocalAddress;

        public IEnumerable<byte[]> Received(NetAddress source) => _received.Where(r => r.Source.Equals(source)).Select(r => r.Datagram).ToList();

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
        {
            bool got = inner.TryReceive(buffer, out length, out source);
            (_source, _length) = got ? (source, length) : (default, -1);
            if (got) _received.Add((source, buffer[..length].ToArray()));
            return got;
        }

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination)
        {
            if (audited(destination))
            {
                byte type = (byte)(datagram[0] & PacketLayout.TypeMask);
                ReplyTypes.Add(type);
                int answered = destination.Equals(_source) ? _length : -1;
                if (datagram.Length > answered)
                    Violations.Add(answered < 0 ? $"type {type}: {datagram.Length} B unsolicited" : $"type {type}: {datagram.Length} B in reply to {answered} B");
            }
            return inner.TrySend(datagram, destination);
        }

        public void Dispose() => inner.Dispose();
    }
}
