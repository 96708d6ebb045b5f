using System.Buffers.Binary;
using System.Numerics;
using Traktor.Ecs.Net.Tests.Prediction;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Rpc;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// Issue 12 item 5: for 60 s of game time (virtual clock, 60 Hz) one connected client sends every abusive pattern at
/// the rate the transport lets through, while 8 honest clients play (snapshots and their acks, RPCs every few ticks).
/// Each time the abuser is disconnected it comes back from the next address of its /24 with a fresh token (its last
/// address is penalised) and moves on to the next pattern, so the whole minute is under attack.
/// </summary>
[Collection(nameof(MemoryMeasuringTests))]
public class AbuseSoakTests
{
    private const int TickRate = 60;
    private const int Seconds = 60;
    private const int HonestClients = 8;

    /// <summary>
    /// The most one hostile connection can make the server keep (docs/PROTOCOL.md §9.1), counted on the server's own
    /// objects (measured: 2.56 MB at the worst checkpoint; a server that kept its closed connections grew by 23.6 MB).
    /// </summary>
    private const long StatedBytesPerConnection = 4L * 1024 * 1024;

    /// <summary>The tick budget at 60 Hz.</summary>
    private static readonly TimeSpan TickBudget = TimeSpan.FromSeconds(1.0 / TickRate);

    private sealed class Abuser(HostilePeer peer, int pattern, ConnectionId? connection)
    {
        public HostilePeer Peer { get; } = peer;
        public int Pattern { get; } = pattern;
        public ConnectionId? Connection { get; set; } = connection;
        public int Ticks { get; set; }
    }

    /// <summary>An ack header followed by <paramref name="count"/> Unreliable records each carrying <paramref name="message"/>.</summary>
    private static byte[] Messages(byte[] message, int count)
    {
        var payload = new byte[HostilePeer.AckHeaderSize + count * (3 + message.Length)];
        for (int i = 0, at = HostilePeer.AckHeaderSize; i < count; i++, at += 3 + message.Length)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(at + 1), (ushort)message.Length);
            message.CopyTo(payload.AsSpan(at + 3));
        }

        return payload;
    }

    private static byte[] Kind(byte kind, int length)
    {
        var message = new byte[length];
        message[0] = kind;
        return message;
    }

    /// <summary>What the abuser sends in one tick of pattern <paramref name="pattern"/> (its first second fills memory).</summary>
    private static void SendAbuse(Abuser abuser, Random random)
    {
        var peer = abuser.Peer;
        int tick = abuser.Ticks++;
        if (tick < 30)
        {
            // The memory worst case of §9.1, which breaks no rule: reliable ids ahead of the window, unreliable fragments
            // of groups that never complete.
            for (int i = 0; i < 40; i++)
            {
                int n = tick * 40 + i;
                if (n < 1023) peer.Send(peer.Seal(HostilePeer.Record(2, (ushort)(n + 1), 0, 0, 1160)));
                else peer.Send(peer.Seal(HostilePeer.Record(0, (ushort)(n % 4), (ushort)(1 + (n % 225)), 226, 1160)));
            }

            return;
        }

        switch (abuser.Pattern % 9)
        {
            case 0: // compressed without negotiation: hundreds of empty records each
                for (int i = 0; i < 200; i++) peer.Send(peer.Seal(HostilePeer.UnreliableRecords(389, 0), compress: true));
                break;
            case 1: // empty records
                for (int i = 0; i < 200; i++) peer.Send(peer.Seal(HostilePeer.UnreliableRecords(128, 0)));
                break;
            case 2: // too many records
                for (int i = 0; i < 200; i++) peer.Send(peer.Seal(HostilePeer.UnreliableRecords(129, 1)));
                break;
            case 3: // valid messages far beyond the per-update budget
                for (int i = 0; i < 200; i++) peer.Send(peer.Seal(HostilePeer.UnreliableRecords(128, 1)));
                break;
            case 4: // datagrams beyond the per-update budget, and forged ones from the same address
                for (int i = 0; i < 400; i++) peer.Send(peer.Seal(new byte[HostilePeer.AckHeaderSize]));
                var forged = new byte[200];
                for (int i = 0; i < 600; i++)
                {
                    random.NextBytes(forged);
                    forged[0] = 4;
                    peer.Send(forged);
                }

                break;
            case 5: // snapshot acks far above their rate
                for (int i = 0; i < 20; i++) peer.Send(peer.Seal(Messages(Kind(0x52, 13), 60)));
                break;
            case 6: // input commands far above their rate, and oversized
                for (int i = 0; i < 20; i++) peer.Send(peer.Seal(Messages(Kind(0x70, 60), 15)));
                peer.Send(peer.Seal(Messages(Kind(0x70, 600), 1)));
                break;
            case 7: // client RPCs far above their rate, and oversized
                for (int i = 0; i < 20; i++) peer.Send(peer.Seal(Messages(Kind(0x61, 100), 10)));
                peer.Send(peer.Seal(Messages(Kind(0x61, 1100), 1)));
                break;
            default: // malformed records
                for (int i = 0; i < 200; i++)
                {
                    var junk = HostilePeer.UnreliableRecords(4, 8);
                    junk[HostilePeer.AckHeaderSize] = 0xF8; // reserved flag bits
                    peer.Send(peer.Seal(junk));
                }

                break;
        }
    }

    [Fact]
    public void One_abuser_for_a_minute_beside_eight_honest_players()
    {
        using var world = new RpcWorld(new LinkConditions { LatencyMs = 20, LossPercent = 1 });
        var h = world.Harness;
        world.ServerRpcs.AllowFromClients<FireCommand>();
        var inputs = new ServerInputs<MoveInput, MoveInputSerializer>(world.Server);
        world.ServerGroup.Add(inputs);
        var commands = new RpcRecorder<FireCommand>(world.ServerWorld);
        world.ServerGroup.Add(commands);
        var rocks = Enumerable.Range(0, 20).Select(i => world.ServerWorld.Create(new Position2 { Value = new Vector2(i, 0) })).ToList();
        var honest = Enumerable.Range(1, HonestClients).Select(i => world.Connect((ulong)i, seed: 10 + i)).ToList();
        var honestConnections = honest.Select(p => world.ConnectionOf(p.ClientId)).ToHashSet();
        var ended = new List<(ConnectionId Connection, DisconnectReason Reason)>();
        world.Server.ClientDisconnected += (connection, reason) => ended.Add((connection, reason));
        ConnectionId? newest = null;
        world.Server.ClientConnected += (connection, _) => newest = connection;

        // The server's own memory: what its NetServer, replication, RPC and input systems and its World hold (not the
        // process's, which counts whatever else runs in it: see RetainedGraph).
        object[] server = [h.Server, world.Server, world.ServerRpcs, world.ServerWorld, inputs];
        long baseline = RetainedGraph.Bytes(server);
        long mostGrowth = 0;
        Dictionary<Type, long>? largest = null;
        var tickTimes = new List<double>(TickRate * Seconds);
        var random = new Random(12);
        int lives = 0, sent = 0;
        Abuser? abuser = null;
        NetClient? connecting = null;
        byte[]? token = null;
        NetAddress address = default;

        for (int tick = 0; tick < TickRate * Seconds; tick++)
        {
            if (abuser is null && connecting is null)
            {
                // A fresh address of the same /24 and a fresh token (tokens are single-use) for every life.
                address = NetAddress.Parse($"10.66.0.{1 + lives}:4000");
                connecting = h.AddClient(world.Conditions, seed: 100 + lives, address: address);
                token = h.IssueToken(1000 + (ulong)lives);
                connecting.Connect(token);
                newest = null;
            }

            h.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / TickRate));
            float dt = 1f / TickRate;
            foreach (var peer in honest)
            {
                if ((ulong)tick % 4 == peer.ClientId % 4)
                {
                    peer.World.SendRpc(new FireCommand { Weapon = (byte)peer.ClientId }, RpcTarget.Server);
                    sent++;
                }

                peer.Group.Tick(in dt);
            }

            if (connecting is not null)
            {
                connecting.Update();
                if (connecting.State == ClientState.Connected && newest is { } connection)
                {
                    abuser = new Abuser(HostilePeer.For(h, connecting, address, token), lives++, connection);
                    connecting = null;
                }
            }
            else if (abuser is not null)
            {
                SendAbuse(abuser, random);
            }

            // The server thread's CPU time: the bound is the work a tick does, and wall-clock time also counts the
            // moments a busy machine has the test descheduled (its p99 failed on a loaded 2-core machine).
            var start = ThreadCpuClock.Now();
            world.ServerGroup.Tick(in dt);
            tickTimes.Add((ThreadCpuClock.Now() - start).TotalMilliseconds);
            foreach (var rock in rocks) world.ServerWorld.Get<Position2>(rock).Value += new Vector2(0.01f, 0);

            if (abuser?.Connection is { } current && ended.Any(e => e.Connection == current))
            {
                // The abuser's own objects go with it, so the growth measured is the server's.
                abuser.Peer.Dispose();
                h.RemoveClient(abuser.Peer.Client);
                abuser = null;
            }

            if (tick % (10 * TickRate) == TickRate * 10 - 1)
            {
                var byType = new Dictionary<Type, long>();
                long growth = RetainedGraph.Bytes(server, byType) - baseline;
                if (growth > mostGrowth) (mostGrowth, largest) = (growth, byType);
                GC.Collect(); // the walk's garbage is the test's: collected here, not in the server's next tick
            }
        }

        world.Tick(30); // the last RPCs arrive
        tickTimes.Sort();
        double p99 = tickTimes[(int)(tickTimes.Count * 0.99)];
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{lives} abuser lives; most server memory growth {mostGrowth:N0} bytes (of {baseline:N0}: {(largest is null ? "" : RetainedGraph.Largest(largest))}); server tick ({(ThreadCpuClock.IsCpuTime ? "thread CPU" : "wall clock")}) p50 {tickTimes[tickTimes.Count / 2]:F2} ms, p99 {p99:F2} ms, max {tickTimes[^1]:F2} ms; " +
            $"{world.Harness.Server.Counters.ProtocolViolations} transport violations, {world.Server.MessageCounters.Violations} message-budget violations");

        Assert.DoesNotContain(ended, e => honestConnections.Contains(e.Connection));
        Assert.All(honest, p => Assert.Equal(ClientState.Connected, p.Client.Transport.State));
        Assert.Equal(sent, commands.Received.Count);
        Assert.True(lives >= 9, $"only {lives} abuser lives: not every pattern ran");
        var abuserEnds = ended.Where(e => !honestConnections.Contains(e.Connection)).ToList();
        Assert.True(abuserEnds.Count >= lives - 1, $"{abuserEnds.Count} of {lives} abuser connections ended");
        Assert.All(abuserEnds, e => Assert.Equal(DisconnectReason.ProtocolViolation, e.Reason));
        Assert.True(world.Server.MessageCounters.ViolationDisconnects > 0, "no abuser was disconnected by the message budgets");
        Assert.True(mostGrowth <= StatedBytesPerConnection,
            $"server memory grew by {mostGrowth:N0} bytes; all it held, by type: {(largest is null ? "" : RetainedGraph.Largest(largest))}");
        Assert.True(p99 < TickBudget.TotalMilliseconds, $"p99 tick {p99:F2} ms");
        Assert.Equal(0, world.Harness.Server.Counters.InternalErrors);
    }
}
