using Traktor.Ecs.Net.Bench.Serialization;
using Traktor.Ecs.Net.Replication;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>Prints the kbps of the cube scene through the whole replication path (deterministic).</summary>
public static class CubeReplicationReport
{
    /// <summary>Command-line argument that selects this report.</summary>
    public const string Argument = "cube-replication";

    /// <summary>Runs 60 s of the scene at 0% and 5% loss with both coders and prints the table.</summary>
    public static void Print()
    {
        var registry = ReplicationRegistry.FromSchemas([Traktor.Ecs.Net.Bench.GeneratedNetworkSchema.Instance]);
        var history = CubeScenario.Simulate(60 * CubeScenario.TicksPerSecond);
        Console.WriteLine("Cube scene through ServerReplication → lossy pipe (50 ms each way) → ClientReplication, 60 s at 60 Hz");
        Console.WriteLine("| Coder | Loss | kbps | of which entity lists | of which cube states | Client converged |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        foreach (var coder in new[] { DeltaCoder.Static, DeltaCoder.Adaptive })
        {
            foreach (double loss in new[] { 0.0, 0.05 })
            {
                double seconds = history.Length / (double)CubeScenario.TicksPerSecond;
                double lists = 0, states = 0;
                var result = CubeReplicationScenario.Run(registry, history, coder, loss, counters: c =>
                {
                    lists = c.EntityListBits / seconds / 1000;
                    states = c.ComponentBits.Sum() / seconds / 1000;
                });
                Console.WriteLine($"| {coder} | {loss:P0} | {result.Kbps:F1} | {lists:F1} | {states:F1} | {(result.Converged ? "yes" : "NO")} |");
            }
        }
    }
}
