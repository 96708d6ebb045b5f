using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// Slowloris on the TCP transport (attack review 27): many streams that never handshake, each announcing a frame of
/// <see cref="StreamTransportOptions.MaxFrameSize"/> and then sending one byte of it every 2 s, from as many addresses and
/// networks as the limits let through, filling every slot, while an honest player connects with a real
/// <see cref="NetClient"/>. Real loopback sockets (Linux routes all of 127.0.0.0/8 to loopback), one fake clock for server
/// and client. The written budgets: the per-address (8) and per-network (32) limits and <see cref="StreamTransportOptions.MaxConnections"/>
/// are checked before a stream (and its buffers) exists, trickled bytes never count as activity, a stream is closed at its
/// <see cref="StreamTransportOptions.HandshakeTimeout"/> (10 s) from its opening, and with every slot taken the oldest one
/// silent for <see cref="StreamTransportOptions.PendingReclaimDelay"/> (3 s) makes room for a newcomer.
/// </summary>
public sealed class TcpTrickleFloodTests
{
    private const double Step = 0.05;
    private const double TrickleEvery = 2;

    [Fact]
    public void Trickling_streams_filling_every_slot_are_cut_at_their_handshake_deadline_and_an_honest_client_still_connects()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var streamOptions = new StreamTransportOptions { MaxConnections = 64 };
        var transport = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), streamOptions, time);
        using var server = new NetServer(transport, new NetServerOptions { Insecure = true, PrivateKey = null, ProtocolId = 7 }, time, ownsTransport: true);
        var tricklers = new List<Socket>();
        try
        {
            // 72 streams: 8 from each of 127.0.1.1–4 and 127.0.2.1–4 (two networks at their limit of 32) fill the 64 slots;
            // 8 more from 127.0.1.5 are over their network's limit.
            for (int network = 1; network <= 2; network++)
            for (int host = 1; host <= (network == 1 ? 5 : 4); host++)
            for (int i = 0; i < 8; i++)
                tricklers.Add(Open($"127.0.{network}.{host}", transport.LocalEndPoint!));
            var wall = Stopwatch.StartNew();
            while (transport.Counters.Accepted + transport.Counters.Refused < tricklers.Count && wall.Elapsed.TotalSeconds < 30) server.Update();
            Assert.Equal((64L, 8L, 64), (transport.Counters.Accepted, transport.Counters.Refused, transport.StreamCount));

            // Each announces a frame of the largest size: two bytes of header, then one byte of it every 2 s.
            foreach (var socket in tricklers) TrySend(socket, [(byte)(streamOptions.MaxFrameSize >> 8), (byte)streamOptions.MaxFrameSize]);

            using var client = new NetClient(TcpTransport.CreateClient(time: time), new NetClientOptions { ProtocolId = 7, Insecure = true }, time, ownsTransport: true);
            double elapsed = 0, nextByte = TrickleEvery, connectedAt = double.NaN, tricklersGoneAt = double.NaN;
            int mostStreams = 0;
            while (elapsed < 20 && (double.IsNaN(connectedAt) || double.IsNaN(tricklersGoneAt)))
            {
                if (elapsed >= 1 && client.State == ClientState.Disconnected) client.ConnectInsecure(NetAddress.FromEndPoint(transport.LocalEndPoint!, TransportKind.Tcp), 1);
                if (elapsed >= nextByte)
                {
                    foreach (var socket in tricklers) TrySend(socket, [0x55]);
                    nextByte += TrickleEvery;
                }
                Thread.Sleep(1);
                time.Advance(TimeSpan.FromSeconds(Step));
                elapsed += Step;
                client.Update();
                server.Update();
                mostStreams = Math.Max(mostStreams, transport.StreamCount);
                if (double.IsNaN(connectedAt) && client.State == ClientState.Connected) connectedAt = elapsed;
                if (double.IsNaN(tricklersGoneAt) && transport.StreamCount == (client.State == ClientState.Connected ? 1 : 0)) tricklersGoneAt = elapsed;
            }

            // The honest client got in once the first silent streams were 3 s old (a reclaim), long before their deadline;
            // every trickler was cut within its handshake deadline, however many bytes it sent; never more than 64 streams.
            Assert.InRange(connectedAt, 3, 10);
            Assert.InRange(tricklersGoneAt, 3, 10 + 3 * Step);
            Assert.Equal(64, mostStreams);
            Assert.Equal(64L, transport.Counters.HandshakeTimeouts); // reclaimed and expired alike
            Assert.Equal(0L, transport.Counters.IdleTimeouts);
            Assert.Equal(ClientState.Connected, client.State);
            Assert.Equal(1, server.ConnectionCount);
            Assert.All(tricklers, socket => Assert.True(PeerSockets.Closed(socket)));
        }
        finally
        {
            tricklers.ForEach(socket => socket.Dispose());
        }
    }

    private static Socket Open(string source, IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        socket.Connect(server);
        return socket;
    }

    /// <summary>Sends what the socket takes; a stream the server closed refuses it, which is the point.</summary>
    private static void TrySend(Socket socket, byte[] bytes)
    {
        try
        {
            socket.Send(bytes, SocketFlags.None, out _);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
