using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net;

// Rolling back to a snapshot: where predicted entities were shown, the replay of stored inputs, and the correction smoothed.
public sealed partial class ClientPrediction<TInput, TSerializer>
    where TInput : struct
    where TSerializer : struct, IMessageSerializer<TInput>
{
    /// <summary>Notes where predicted entities are shown now, to measure the next correction against.</summary>
    private void RememberPresented()
    {
        if (options.Smoothing is not { } smoothing)
        {
            return;
        }

        beforeReplay.Clear();
        var world = client.World;
        foreach (ref var chunk in world.Query(in predicted))
        {
            foreach (var entity in chunk.Entities)
            {
                if (smoothing.Read(world, entity) is { } position)
                {
                    beforeReplay[entity] = position;
                }
            }
        }
    }

    private void Rollback()
    {
        var replication = client.Replication;
        var world = client.World;
        uint from = replication.NewestTick;
        var smoothing = options.Smoothing;
        foreach (ref var chunk in world.Query(in predicted))
        {
            var ids = chunk.GetReadOnlySpan<NetworkId>();
            for (int i = 0; i < ids.Length; i++)
            {
                // An entity left out of the newest snapshot (budget) is older: replay it from its own state.
                uint latest = replication.LatestTickOf(ids[i]);
                if (latest != 0 && (int)(latest - from) < 0)
                {
                    from = latest;
                }
            }
        }

        replication.ResetPredicted();
        int replayed = Replay(from);
        if (rememberedAt == PredictedTick && replication.PredictedStateChanged(in predicted))
        {
            Mispredictions++; // the same tick as remembered, so any difference is the server disagreeing
        }

        if (smoothing is not null)
        {
            // Compared with what was shown before this frame's snapshots arrived (RememberPresented):
            // applying a snapshot already wrote the older authoritative value into the component.
            foreach (var (entity, before) in beforeReplay)
            {
                if (world.IsAlive(entity) && smoothing.Read(world, entity) is { } after)
                {
                    smoothing.Correct(entity, before, after);
                }
            }
        }

        Replays++;
        ReplayedTicks += replayed;
        ReplicationMetrics.Rollbacks.Add(1);
        ReplicationMetrics.ReplayedTicks.Add(replayed);
    }

    /// <summary>Re-simulates every tick after <paramref name="from"/> up to the predicted tick with stored inputs.</summary>
    /// <returns>The number of ticks re-simulated.</returns>
    internal int Replay(uint from)
    {
        int replayed = 0;
        var last = default(TInput);
        for (uint tick = from + 1; (int)(tick - PredictedTick) < 0; tick++)
        {
            if (history.TryGet(tick, out var input))
            {
                last = input;
            }

            Run(tick, in last, replay: true);
            replayed++;
        }

        return replayed;
    }
}
