using Traktor.Ecs.Net.Fuzz.Game;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// Snapshots as the client decodes them (<see cref="ClientReplication.ReceiveSnapshot"/>): header, records, spawns,
/// despawns, every field reader, delta baselines (static and adaptive coders), tick jumps, duplicates,
/// acknowledgements and interpolation. An input is a sequence of snapshots, so deltas against earlier ones are
/// reachable. Invariant: a refused snapshot changes nothing.
/// </summary>
internal sealed class SnapshotTarget : IFuzzTarget
{
    public string Name => "snapshot";

    public string Description => "client: snapshots (records, spawns, despawns, fields, delta baselines, acks, interpolation)";

    // Entities and their component history for at most a few hundred records per input.
    public long AllocationBudget => 4 * 1024 * 1024;

    public void Execute(ReadOnlySpan<byte> input, Probe probe)
    {
        using var world = World.Create();
        var client = new ClientReplication(world, FuzzGame.Replicated);
        Span<byte> ack = stackalloc byte[16];
        double seconds = 0;

        probe.Begin();
        var r = new FuzzReader(input);
        while (!r.IsEmpty)
        {
            switch (r.Byte() % 4)
            {
                case 0:
                case 1:
                    {
                        var data = r.Block(8192);
                        var message = new byte[data.Length + 1];
                        message[0] = SnapshotFormat.SnapshotMessage;
                        data.CopyTo(message.AsSpan(1));
                        int before = client.EntityCount;
                        long snapshotsBefore = client.Counters.Snapshots;
                        bool applied = client.ReceiveSnapshot(message, seconds, 0.05);
                        Probe.Check(applied || client.EntityCount == before, "a refused snapshot changed the entity count");
                        Probe.Check(applied == (client.Counters.Snapshots == snapshotsBefore + 1), "the applied count disagrees with the result");
                        break;
                    }
                case 2:
                    seconds += r.Byte() / 60.0;
                    client.Interpolate(seconds);
                    break;
                default:
                    int length = client.WriteAck(ack);
                    Probe.Check(length is >= 0 and <= 16, "an ack longer than its buffer");
                    break;
            }
        }
        probe.End();
    }

    public IEnumerable<byte[]> Seeds() => Seeding.TrafficSeeds.Snapshots();
}
