using System.Numerics;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>Hostile snapshots are dropped and counted, whole: they never throw and a rejected one changes nothing.</summary>
public class SnapshotFuzzTests
{
    [Theory]
    [InlineData(DeltaCoder.Static)]
    [InlineData(DeltaCoder.Adaptive)]
    public void HostileSnapshotsNeverThrowAndRejectedOnesLeaveTheWorldUntouched(DeltaCoder coder)
    {
        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var server = new ServerReplication(serverWorld, ReplicationWorld.Registry, new ServerReplicationOptions { Coder = coder });
        var client = new ClientReplication(clientWorld, ReplicationWorld.Registry);
        var connection = new ConnectionId(1, 1);
        server.AddConnection(connection);
        var recorder = new Recorder(server, client, connection);
        var entities = new List<Entity>();
        for (int i = 0; i < 40; i++)
        {
            entities.Add(serverWorld.Create(new Position2 { Value = new Vector2(i * 3, i) }, new Badge { Color = i }));
        }

        for (int tick = 0; tick < 30; tick++)
        {
            foreach (var entity in entities.Take(10))
            {
                serverWorld.Get<Position2>(entity).Value += new Vector2(0.5f, 0.25f);
            }

            server.Update(recorder);
        }

        // Material: the snapshots held back from the client, whose ticks it has not received yet.
        var held = recorder.HeldBack;
        Assert.True(held.Count >= 8);
        var random = new Random(99);
        int applied = 0, truncatedApplied = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var source = held[random.Next(held.Count)];
            int kind = i % 4;
            byte[] hostile = kind switch
            {
                0 => source[..random.Next(source.Length)],                       // truncated
                1 => FlipBits(source, random),                                   // bit flips
                2 => RandomBody(random, source),                                 // garbage behind a valid header
                _ => Splice(source, recorder.Snapshots[random.Next(recorder.Snapshots.Count)], random),
            };
            int entitiesBefore = client.EntityCount;
            try
            {
                if (client.ReceiveSnapshot(hostile, 0, 0))
                {
                    applied++;
                    truncatedApplied += kind == 0 ? 1 : 0;
                }
                else
                {
                    // A rejected snapshot leaves the world exactly as it was.
                    Assert.Equal(entitiesBefore, client.EntityCount);
                }
            }
            catch (Exception exception)
            {
                Assert.Fail($"snapshot {i} threw {exception.GetType().Name}: {exception.Message}");
            }
        }

        var counters = client.Counters;
        Assert.Equal(0, truncatedApplied);
        Assert.True(counters.MalformedSnapshots + counters.MissingBaselines > 200, $"{counters.MalformedSnapshots} malformed, {counters.MissingBaselines} missing baselines, {applied} applied");

        // The real stream resumes and the client keeps applying it. (Integrity of what does decode is
        // the transport's job: every packet is authenticated in secure mode, so a bit-flipped snapshot
        // that still parses never reaches this layer in practice. Here some did and were applied: the client's
        // state then differs from what the server believes, and the first real snapshot that fails to decode
        // against it makes the client disown what it applied, which the server answers with full states.)
        long appliedBefore = client.Counters.Snapshots;
        var trace = new System.Text.StringBuilder(); // per tick: applied, Missing baseline, Malformed, or nothing
        recorder.Forward = true;
        for (int tick = 0; tick < 120; tick++)
        {
            foreach (var entity in entities.Take(10))
            {
                serverWorld.Get<Position2>(entity).Value += new Vector2(0.5f, 0.25f);
            }

            long snapshots = client.Counters.Snapshots, missing = client.Counters.MissingBaselines, malformed = client.Counters.MalformedSnapshots;
            server.Update(recorder);
            trace.Append(client.Counters.Snapshots > snapshots ? 'a' : client.Counters.MissingBaselines > missing ? 'M' : client.Counters.MalformedSnapshots > malformed ? 'F' : '.');
        }

        Assert.True(client.Counters.Snapshots - appliedBefore >= 100, $"the client stopped applying snapshots: {trace}");
        foreach (var entity in entities.Take(10))
        {
            var mirror = client.Find(serverWorld.Get<NetworkId>(entity));
            Assert.True(Vector2.Distance(serverWorld.Get<Position2>(entity).Value, clientWorld.Get<Position2>(mirror).Value) <= 0.01f);
        }
    }

    private static byte[] FlipBits(byte[] source, Random random)
    {
        var copy = (byte[])source.Clone();
        // The kind and tick (first 5 bytes) stay intact: the client trusts the server's clock, and a
        // forged tick is the transport's to reject (every packet is authenticated in secure mode).
        for (int flips = random.Next(1, 6); flips > 0 && copy.Length > 5; flips--)
        {
            int bit = random.Next(40, copy.Length * 8);
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        return copy;
    }

    private static byte[] RandomBody(Random random, byte[] source)
    {
        var copy = new byte[random.Next(6, 300)];
        random.NextBytes(copy);
        source.AsSpan(0, Math.Min(5, source.Length)).CopyTo(copy);
        return copy;
    }

    private static byte[] Splice(byte[] first, byte[] second, Random random)
    {
        int cut = Math.Min(5 + random.Next(Math.Max(1, Math.Min(first.Length, second.Length) - 5)), second.Length);
        return [.. first.AsSpan(0, cut), .. second.AsSpan(cut)];
    }

    /// <summary>Records snapshots (and, once forwarding, delivers them with acknowledgements).</summary>
    private sealed class Recorder(ServerReplication server, ClientReplication client, ConnectionId connection) : ISnapshotSink
    {
        private readonly byte[] ack = new byte[16];

        public List<byte[]> Snapshots { get; } = new();

        public List<byte[]> HeldBack { get; } = new();

        public bool Forward { get; set; }

        public void Send(ConnectionId to, ReadOnlySpan<byte> snapshot)
        {
            Snapshots.Add(snapshot.ToArray());
            if (!Forward && Snapshots.Count % 3 == 0)
            {
                HeldBack.Add(snapshot.ToArray());
            }
            else
            {
                // Deliver most snapshots so deltas appear; hold back a third as fuzz material only.
                client.ReceiveSnapshot(snapshot, 0, 0);
                server.ReceiveAck(connection, ack.AsSpan(0, client.WriteAck(ack)));
            }
        }
    }
}
