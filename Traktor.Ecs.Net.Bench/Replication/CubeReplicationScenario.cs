using Traktor.Ecs.Net.Bench.Serialization;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>
/// Glenn Fiedler's 901-cube scene (<see cref="CubeScenario"/>) through the whole replication path:
/// a server world whose cubes follow the simulation, ServerReplication choosing and delta-encoding
/// against acknowledged baselines, a lossy pipe with 50 ms each way (baselines ~6 ticks back at 60 Hz),
/// and a client world that must end up equal to the server's quantized state.
/// </summary>
public static class CubeReplicationScenario
{
    /// <summary>What a run measured.</summary>
    /// <param name="Kbps">Snapshot payload in kilobits per second.</param>
    /// <param name="Converged">Whether the client mirrors every cube exactly at the end.</param>
    /// <param name="Snapshots">Snapshots the client applied.</param>
    public readonly record struct Result(double Kbps, bool Converged, long Snapshots);

    /// <summary>Runs the scene and measures its bandwidth.</summary>
    /// <param name="registry">A registry holding <see cref="CubeState"/>.</param>
    /// <param name="history">The simulated states, one array per tick.</param>
    /// <param name="coder">The delta coder.</param>
    /// <param name="loss">Loss each way, 0–1.</param>
    /// <param name="seed">Seed of the loss pattern.</param>
    /// <param name="counters">Receives the server's counters after the measured part, if given.</param>
    public static Result Run(ReplicationRegistry registry, CubeState[][] history, DeltaCoder coder, double loss, int seed = 7, Action<ReplicationCounters>? counters = null)
    {
        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var server = new ServerReplication(serverWorld, registry, new ServerReplicationOptions
        {
            Coder = coder,
            MaxSnapshotBytes = 1200,
            BytesPerSecond = 1024 * 1024,
        });
        var connection = new ConnectionId(1, 1);
        var client = new ClientReplication(clientWorld, registry);
        server.AddConnection(connection);
        var pipe = new LossyPipe(server, new() { [connection] = client }, delayTicks: 3, loss, seed);
        var cubes = new Entity[CubeScenario.CubeCount];
        for (int i = 0; i < cubes.Length; i++)
        {
            cubes[i] = serverWorld.Create(history[0][i]);
        }

        foreach (var states in history)
        {
            for (int i = 0; i < cubes.Length; i++)
            {
                serverWorld.Set(cubes[i], in states[i]);
            }

            server.Update(pipe);
            pipe.Step();
        }

        double seconds = history.Length / (double)CubeScenario.TicksPerSecond;
        double kbps = pipe.BytesSent * 8 / seconds / 1000;
        counters?.Invoke(server.Counters);

        // Settle without loss, then compare every cube.
        pipe.Loss = 0;
        for (int i = 0; i < 60; i++)
        {
            server.Update(pipe);
            pipe.Step();
        }

        // Cubes are interpolated: present them at a time past the newest snapshot, which shows it exactly.
        client.Interpolate((history.Length + 600) / (double)CubeScenario.TicksPerSecond);
        bool converged = true;
        foreach (var cube in cubes)
        {
            var id = serverWorld.Get<NetworkId>(cube);
            var mirror = client.Find(id);
            converged &= mirror != Entity.Null && SameAsClient(serverWorld.Get<CubeState>(cube), clientWorld.Get<CubeState>(mirror));
        }

        return new Result(kbps, converged, client.Counters.Snapshots);
    }

    /// <summary>True when the client holds exactly what the server's quantized value decodes to.</summary>
    private static bool SameAsClient(CubeState server, CubeState client)
    {
        CubeStateSerializer.Quantize(in server, out var snapshot);
        var expected = default(CubeState);
        CubeStateSerializer.Dequantize(in snapshot, ref expected);
        return expected.Position == client.Position && expected.Rotation == client.Rotation && expected.Interacting == client.Interacting;
    }
}
