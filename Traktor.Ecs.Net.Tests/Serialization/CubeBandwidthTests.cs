using Traktor.Ecs.Net.Bench.Serialization;

namespace Traktor.Ecs.Net.Tests.Serialization;

/// <summary>The cube scenario's bandwidth, asserted so a coding regression fails CI.</summary>
public class CubeBandwidthTests
{
    [Fact]
    public void Cube_scenario_bandwidth_meets_the_bar()
    {
        var snapshots = CubeBandwidth.Quantize(CubeScenario.Simulate(20 * CubeScenario.TicksPerSecond));
        var result = CubeBandwidth.Measure(snapshots);
        TestContext.Current.TestOutputHelper?.WriteLine(result.ToString());
        Assert.InRange(result.Full, 3000, 5000);
        Assert.True(result.MovingCubesPerTick > 10, $"scenario too quiet: {result}");
        Assert.True(result.StaticDelta < 256, $"static delta over the 256 kbps bar: {result}");
        Assert.True(result.AdaptiveDelta < result.StaticDelta, $"adaptive coder should beat the static code: {result}");
        // Regression guard at the measured level (101.6 kbps when written); the 100 kbps goal is not reached on this scene.
        Assert.True(result.AdaptiveDelta < 105, $"adaptive delta regressed: {result}");
        Assert.True(result.StaticDelta < 115, $"static delta regressed: {result}");
    }
}
