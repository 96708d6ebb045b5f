using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Bench.Serialization;

/// <summary>
/// Runs the cube scenario through the codecs and reports average kbps (bytes per tick × 60 × 8 / 1000).
/// Every tick is encoded against the scene 6 ticks back (with 7 and 8 back for prediction), as a
/// client ~100 ms away acknowledging every snapshot would allow, and decoded again to prove the bytes.
/// </summary>
public static class CubeBandwidth
{
    /// <summary>Ticks between the encoded tick and its newest baseline.</summary>
    public const int BaselineAge = 6;

    /// <summary>Average kbps of each of our formats over the scenario.</summary>
    /// <param name="Full">Quantized full state.</param>
    /// <param name="StaticDelta">Delta + static prefix code.</param>
    /// <param name="AdaptiveDelta">Delta + adaptive range coder.</param>
    /// <param name="MovingCubesPerTick">Average cubes whose snapshot changed since its baseline.</param>
    public readonly record struct Result(double Full, double StaticDelta, double AdaptiveDelta, double MovingCubesPerTick);

    /// <summary>Quantizes every tick of a simulated history.</summary>
    /// <param name="history">[tick][cube] states.</param>
    /// <returns>[tick][cube] snapshots.</returns>
    public static CubeStateSnapshot[][] Quantize(CubeState[][] history) =>
        history.Select(tick => tick.Select(cube =>
        {
            CubeStateSerializer.Quantize(cube, out var snapshot);
            return snapshot;
        }).ToArray()).ToArray();

    /// <summary>Encodes and decodes every tick from <see cref="BaselineAge"/> + 2 on.</summary>
    /// <param name="snapshots">[tick][cube] snapshots.</param>
    /// <returns>The averages.</returns>
    /// <exception cref="InvalidOperationException">A packet did not decode to the encoded scene.</exception>
    public static Result Measure(CubeStateSnapshot[][] snapshots)
    {
        var packet = new byte[64 * 1024];
        var models = new ushort[AdaptiveModels.DefaultSize];
        var decoded = new CubeStateSnapshot[CubeScenario.CubeCount];
        long full = 0, staticBytes = 0, adaptiveBytes = 0, moving = 0;
        int ticks = 0;
        for (int tick = BaselineAge + 2; tick < snapshots.Length; tick++)
        {
            int b0 = tick - BaselineAge;
            var baselines = new CubeSnapshotCodec.Baselines(snapshots[b0], snapshots[b0 - 1], snapshots[b0 - 2]);
            var prediction = DeltaPrediction.FromTicks((uint)tick, (uint)b0, (uint)(b0 - 1), (uint)(b0 - 2), 3);
            full += CubeSnapshotCodec.EncodeFull(snapshots[tick], packet);

            int length = CubeSnapshotCodec.EncodeStatic(snapshots[tick], baselines, prediction, packet);
            if (!CubeSnapshotCodec.DecodeStatic(packet.AsSpan(0, length), baselines, prediction, decoded) || !Same(decoded, snapshots[tick]))
            {
                throw new InvalidOperationException($"static packet of tick {tick} did not round-trip");
            }

            staticBytes += length;
            length = CubeSnapshotCodec.EncodeAdaptive(snapshots[tick], baselines, prediction, packet, models);
            if (!CubeSnapshotCodec.DecodeAdaptive(packet.AsSpan(0, length), baselines, prediction, decoded, models) || !Same(decoded, snapshots[tick]))
            {
                throw new InvalidOperationException($"adaptive packet of tick {tick} did not round-trip");
            }

            adaptiveBytes += length;
            for (int i = 0; i < CubeScenario.CubeCount; i++)
            {
                moving += CubeStateSerializer.SnapshotEquals(snapshots[tick][i], snapshots[b0][i]) ? 0 : 1;
            }

            ticks++;
        }

        return new Result(Kbps(full, ticks), Kbps(staticBytes, ticks), Kbps(adaptiveBytes, ticks), (double)moving / ticks);
    }

    /// <summary>Average bytes per tick converted to kilobits per second at 60 Hz.</summary>
    /// <param name="totalBytes">Bytes over all ticks.</param>
    /// <param name="ticks">Tick count.</param>
    /// <returns>kbps.</returns>
    public static double Kbps(long totalBytes, int ticks) => totalBytes / (double)ticks * CubeScenario.TicksPerSecond * 8 / 1000;

    private static bool Same(ReadOnlySpan<CubeStateSnapshot> a, ReadOnlySpan<CubeStateSnapshot> b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (!CubeStateSerializer.SnapshotEquals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
