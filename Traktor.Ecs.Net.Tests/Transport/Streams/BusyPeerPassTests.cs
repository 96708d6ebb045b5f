using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Transport.Streams;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// A stream peer that never runs dry: it sends tiny frames faster than the game loop reads them (a NetServer reads at
/// most <see cref="NetPeerOptions.MaxDatagramsPerUpdate"/> a tick, so 4,096 three-byte frames a tick, about 6 Mbit/s,
/// are enough). A receive pass used to end only when every peer was empty in a row, so such a peer kept one pass going
/// forever: the transport's upkeep at the start of a pass (accepting streams, handshake and idle deadlines, flushing)
/// never ran again, and every one of its datagrams made the pass read every other peer again (a socket call each).
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class BusyPeerPassTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 0);

    [Fact]
    public void A_peer_that_never_runs_dry_cannot_stop_new_streams_or_its_own_handshake_deadline()
    {
        using var server = TcpTransport.Listen(Loopback, new StreamTransportOptions { HandshakeTimeout = TimeSpan.FromSeconds(2) });
        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        attacker.Connect(server.LocalEndPoint!);
        using var stop = new CancellationTokenSource();
        var flood = new Thread(() =>
        {
            var frames = new byte[3 * 16_384];
            for (int i = 0; i < frames.Length; i += 3) frames[i + 1] = 1; // [0, 1, 0]: a 1-byte datagram, dropped by any server
            try
            {
                while (!stop.IsCancellationRequested) attacker.Send(frames);
            }
            catch (SocketException)
            {
                // closed by the server: the point of the test
            }
            catch (ObjectDisposedException)
            {
            }
        }) { IsBackground = true };
        flood.Start();
        try
        {
            var buffer = new byte[1200];
            long fromAttacker = 0;
            bool honestHeard = false;
            Socket? honest = null;
            var clock = Stopwatch.StartNew();
            // The game loop of a server: at most 1,024 datagrams a tick, as NetServer's MaxDatagramsPerUpdate bounds them.
            while (clock.Elapsed.TotalSeconds < 8 && !(honestHeard && server.Counters.HandshakeTimeouts > 0))
            {
                for (int i = 0; i < 1024 && server.TryReceive(buffer, out int length, out var source); i++)
                {
                    if (source.ToEndPoint().Address.Equals(IPAddress.Parse("127.0.0.2"))) honestHeard = length == 3;
                    else fromAttacker++;
                }
                if (honest is null && fromAttacker > 20_000)
                {
                    // The flood is under way: an honest player connects from another address.
                    honest = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    honest.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
                    honest.Connect(server.LocalEndPoint!);
                    honest.Send([0, 3, 1, 2, 3]);
                }
                Thread.Sleep(1);
            }
            honest?.Dispose();
            Assert.NotNull(honest);
            Assert.True(honestHeard, $"the honest stream was never read ({server.Counters.Accepted} accepted, {fromAttacker} datagrams from the attacker)");
            Assert.Equal(1, server.Counters.HandshakeTimeouts); // the attacker's stream: never established, closed at its deadline
        }
        finally
        {
            stop.Cancel();
            attacker.Dispose();
            flood.Join(5000);
        }
    }

    [Fact]
    public void A_busy_peer_gets_a_bounded_number_of_turns_and_idle_peers_are_read_once_per_pass()
    {
        var table = new StreamPeerTable<FakePeer>(new StreamTransportOptions(), new StreamTransportCounters(), NullLogger.Instance, "fake", TimeProvider.System);
        var idle = Enumerable.Range(1, 100).Select(i => new FakePeer(NetAddress.Parse($"10.0.{i}.1:1000"), busy: false)).ToList();
        var busy = new FakePeer(NetAddress.Parse("10.1.0.1:1000"), busy: true);
        idle.ForEach(table.Add);
        table.Add(busy);
        var buffer = new byte[16];

        // One NetServer update: up to 4,096 datagrams, stopping when the transport has nothing more this pass.
        table.BeginPass();
        int datagrams = 0;
        while (datagrams < 4096 && table.Next(buffer, 0, out _, out _) == PeerRead.Datagram) datagrams++;

        Assert.False(table.InPass); // the pass ended, so the next call does the transport's upkeep first
        Assert.Equal(StreamPeerTable<FakePeer>.MaxTurnsPerPass, busy.Reads);
        Assert.All(idle, peer => Assert.Equal(1, peer.Reads));

        table.BeginPass(); // the next pass reads every peer again
        while (table.Next(buffer, 0, out _, out _) == PeerRead.Datagram) { }
        Assert.All(idle, peer => Assert.Equal(2, peer.Reads));
    }

    [Fact]
    public void A_pass_ends_within_its_turns_and_a_stream_closed_during_it_leaves_its_turns_to_the_others()
    {
        // What docs/SECURITY.md says MaxTurnsPerPass bounds: 128 turns for each peer the pass starts with, shared. A turn
        // reads one datagram of the next peer; a stream that ends during the pass is closed and its turns go to the others.
        var table = new StreamPeerTable<FakePeer>(new StreamTransportOptions(), new StreamTransportCounters(), NullLogger.Instance, "fake", TimeProvider.System);
        var first = new FakePeer(NetAddress.Parse("10.2.0.1:1000"), busy: true);
        var ending = new FakePeer(NetAddress.Parse("10.2.0.2:1000"), busy: false, ends: true);
        var last = new FakePeer(NetAddress.Parse("10.2.0.3:1000"), busy: true);
        table.Add(first);
        table.Add(ending);
        table.Add(last);
        var buffer = new byte[16];

        table.BeginPass();
        int datagrams = 0, ended = 0;
        while (true)
        {
            var read = table.Next(buffer, 0, out _, out var peer);
            if (read == PeerRead.Ended)
            {
                ended++;
                table.Remove(peer!, PeerCloseCause.Broken, 0); // what the transport does before it asks again
                continue;
            }

            if (read != PeerRead.Datagram) break;
            datagrams++;
        }

        const int turns = 3 * StreamPeerTable<FakePeer>.MaxTurnsPerPass;
        Assert.False(table.InPass);
        Assert.Equal(1, ended);
        Assert.Equal(turns - 1, datagrams);                     // every turn but the closing stream's read a datagram
        Assert.Equal(turns - 1, first.Reads + last.Reads);
        Assert.True(first.Reads > StreamPeerTable<FakePeer>.MaxTurnsPerPass, $"{first.Reads}");   // the closed stream's turns went to the others
        Assert.True(last.Reads > StreamPeerTable<FakePeer>.MaxTurnsPerPass, $"{last.Reads}");
    }

    private sealed class FakePeer(NetAddress address, bool busy, bool ends = false) : IStreamPeer
    {
        public int Reads { get; private set; }
        public NetAddress Address => address;
        public double OpenedAt => 0;
        public double LastReceivedAt => 0;
        public bool Accepted => true;
        public bool Established { get; set; }
        public double CloseAt { get; set; } = double.PositiveInfinity;
        public string? Violation => null;
        public long DrainedInPass { get; set; }
        public void DiscardUnsent() { }

        public PeerRead Read(Span<byte> buffer, double now, out int length)
        {
            Reads++;
            length = busy ? 1 : 0;
            if (ends) return PeerRead.Ended;
            return busy ? PeerRead.Datagram : PeerRead.Empty;
        }
    }
}
