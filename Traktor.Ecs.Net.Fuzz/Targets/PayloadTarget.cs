using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Packets;
using P = Traktor.Ecs.Net.Transport.Packets.PacketLayout;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// Payload packets from a connected client, after decryption: the ack header and its acks, message records on
/// every channel, fragments and their reassembly, the reliable windows, LZ4 decompression, disconnects, replays
/// and the per-connection budgets. The server runs in insecure mode with compression negotiated, so the plaintext
/// the fuzzer writes is exactly what the connection decodes (in secure mode only the real peer could produce it,
/// and it reaches the same code after the AEAD).
/// </summary>
internal sealed class PayloadTarget : IFuzzTarget
{
    private const ulong ClientId = 77;

    public string Name => "payload";

    public string Description => "server connection: payload plaintext (acks, records, fragments, reliable windows, LZ4, disconnect)";

    // Fragment reassembly and the reliable windows hold at most MaxMessageSize (256 KiB) per message id in flight;
    // a 4 KiB input can open a handful of them. Anything near a megabyte per input is out of proportion.
    public long AllocationBudget => 3 * 1024 * 1024;

    public void Execute(ReadOnlySpan<byte> input, Probe probe)
    {
        var time = Wire.Clock();
        using var transport = new ScriptedTransport(Wire.Server);
        using var server = new NetServer(transport, new NetServerOptions { Insecure = true, Compression = true, ProtocolId = Wire.ProtocolId, RandomForTests = Wire.Random(6) }, time);
        var client = Wire.Peers[0];
        ulong sequence = Connect(server, transport, client);
        // Something in flight towards the client, so its acks acknowledge real packets and resends happen.
        var connection = Drain(server, out _);
        Probe.Check(connection is not null, "the scripted client did not connect");
        for (int i = 0; i < 4; i++) server.Send(connection!.Value, (ChannelKind)(i % 4), new byte[100 + i * 700]);
        server.Update();

        probe.Begin();
        var r = new FuzzReader(input);
        while (!r.IsEmpty)
        {
            switch (r.Byte() % 4)
            {
                case 0:
                case 1:
                    byte flags = r.Byte();
                    transport.Deliver(Wire.Payload(null, flags, ref sequence, r.Block(P.MaximumMtu)), client);
                    if ((flags & 16) != 0) Step(server, time, 0);
                    break;
                case 2:
                    Step(server, time, r.Byte());
                    break;
                default:
                    byte channel = r.Byte();
                    if (connection is { } c) server.Send(c, (ChannelKind)(channel & 3), new byte[1 + r.UInt16() % 3000]);
                    break;
            }
        }
        Step(server, time, 1);
        probe.End();
        Probe.Check(server.Counters.InternalErrors == 0, "the server caught an exception while handling a datagram (see the log)");
    }

    private static void Step(NetServer server, Microsoft.Extensions.Time.Testing.FakeTimeProvider time, int milliseconds)
    {
        time.Advance(TimeSpan.FromMilliseconds(milliseconds));
        server.Update();
        Drain(server, out _);
    }

    /// <summary>Drains the server's events, returning the connection of the last Connected one.</summary>
    private static ConnectionId? Drain(NetServer server, out int messages)
    {
        ConnectionId? connected = null;
        messages = 0;
        while (server.TryPollEvent(out var e))
        {
            if (e.Type == NetEventType.Connected) connected = e.Connection;
            if (e.Type == NetEventType.Message) messages++;
        }
        return connected;
    }

    /// <summary>The insecure handshake, done by hand; returns the client's last sequence.</summary>
    public static ulong Connect(NetServer server, ScriptedTransport transport, NetAddress client)
    {
        var request = new byte[P.InsecureRequestSize];
        request[0] = (byte)PacketType.InsecureRequest | P.CompressedFlag;
        Wire.WriteVersions(request, Wire.ProtocolId, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(request.AsSpan(P.InsecureRequestClientId), ClientId);
        transport.Deliver(request, client);
        server.Update();
        var challenge = Wire.LastSent(transport, client, PacketType.Challenge) ?? throw new InvalidOperationException("no challenge");
        ulong sequence = 1_000;
        var response = new byte[P.InsecureResponseSize];
        request.CopyTo(response, 0);
        response[0] = (byte)PacketType.InsecureResponse | P.CompressedFlag;
        challenge.AsSpan(1, P.CookieSize).CopyTo(response.AsSpan(P.InsecureRequestSize));
        transport.Deliver(response, client);
        server.Update();
        return sequence;
    }

    public IEnumerable<byte[]> Seeds() => Seeding.TrafficSeeds.Payload();
}
