using CsCheck;
using Traktor.Ecs.Net.Serialization.Delta;

namespace Traktor.Ecs.Net.Tests.Serialization;

public class DeltaPredictionTests
{
    [Fact]
    public void Constant_velocity_is_predicted_exactly_whatever_the_baseline_spacing()
    {
        Gen.Select(Gen.Int[-100_000, 100_000], Gen.Int[-500, 500], Gen.Int[1, 6], Gen.Int[1, 6], Gen.Int[1, 10]).Sample((start, velocity, span0, span1, ahead) =>
        {
            if (velocity == 0)
            {
                return;
            }

            uint t2 = 100;
            uint t1 = t2 + (uint)span1;
            uint t0 = t1 + (uint)span0;
            uint target = t0 + (uint)ahead;
            var prediction = DeltaPrediction.FromTicks(target, t0, t1, t2, 3);
            int ValueAt(uint tick) => start + (velocity * (int)(tick - t2));
            Assert.Equal(ValueAt(target), prediction.Predict(ValueAt(t0), ValueAt(t1), ValueAt(t2)));
        });
    }

    [Fact]
    public void Disagreeing_or_missing_baselines_predict_the_newest_value()
    {
        var linear = DeltaPrediction.FromTicks(13, 12, 11, 10, 3);
        Assert.True(linear.IsLinear);
        Assert.Equal(50, linear.Predict(50, 40, 45));
        Assert.Equal(50, linear.Predict(50, 50, 40));
        Assert.Equal(7, DeltaPrediction.FromTicks(13, 12, 11, 10, 2).Predict(7, 1, -5));
        Assert.Equal(7, DeltaPrediction.FromTicks(13, 12, 12, 10, 3).Predict(7, 1, -5));
        Assert.Equal(7, DeltaPrediction.FromTicks(200, 12, 11, 10, 3).Predict(7, 1, -5));
        Assert.Equal(7, DeltaPrediction.NewestOnly.Predict(7, 1, -5));
    }

    [Fact]
    public void Prediction_wraps_instead_of_overflowing()
    {
        var linear = DeltaPrediction.FromTicks(4, 3, 2, 1, 3);
        Assert.Equal(unchecked(int.MaxValue + 10), linear.Predict(int.MaxValue - 10, int.MaxValue - 30, int.MaxValue - 50));
    }
}
