using Traktor.Ecs.Net.Bench.Replication;
using Traktor.Ecs.Net.Bench.Serialization;
using Traktor.Ecs.Net.Replication;

namespace Traktor.Ecs.Net.Tests.Replication;

/// <summary>The cube scene through the whole replication path: bandwidth bars and exact convergence.</summary>
public class CubeReplicationTests
{
    private static readonly CubeState[][] History = CubeScenario.Simulate(20 * CubeScenario.TicksPerSecond);

    [Theory]
    [InlineData(DeltaCoder.Static, 0.0)]
    [InlineData(DeltaCoder.Static, 0.05)]
    [InlineData(DeltaCoder.Adaptive, 0.0)]
    [InlineData(DeltaCoder.Adaptive, 0.05)]
    public void StaysUnderFiedlersBarAndConverges(DeltaCoder coder, double loss)
    {
        var result = CubeReplicationScenario.Run(ReplicationWorld.Registry, History, coder, loss);
        Assert.True(result.Converged, "the client does not mirror every cube");
        Assert.True(result.Snapshots > 1000, $"{result.Snapshots} snapshots applied");
        Assert.True(result.Kbps <= 256, $"{coder} at {loss:P0} loss: {result.Kbps:F1} kbps");
    }
}
