using System.Numerics;
using Traktor.Ecs.Net.Prediction;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>Small corrections become a decaying offset; large ones snap.</summary>
public class PredictionSmoothingTests
{
    [Fact]
    public void SmallCorrectionsGlideAndLargeOnesSnap()
    {
        var smoothing = new PredictionSmoothing<ShipBody>(b => new Vector3(b.Position, 0), snapDistance: 2f, halfLifeSeconds: 0.1f);
        var ship = new Entity(1, 1);
        smoothing.Correct(ship, before: new Vector3(1, 0, 0), after: Vector3.Zero);
        Assert.Equal(new Vector3(1, 0, 0), smoothing.OffsetOf(ship));
        smoothing.Decay(0.1f);
        Assert.Equal(0.5f, smoothing.OffsetOf(ship).X, 1e-4f);
        for (int i = 0; i < 100; i++)
        {
            smoothing.Decay(0.1f);
        }

        Assert.Equal(Vector3.Zero, smoothing.OffsetOf(ship));

        smoothing.Correct(ship, before: new Vector3(10, 0, 0), after: Vector3.Zero);
        Assert.Equal(Vector3.Zero, smoothing.OffsetOf(ship));
        Assert.Equal(2, smoothing.Corrections);
        Assert.Equal(1, smoothing.Snaps);

        smoothing.Correct(ship, before: Vector3.One, after: Vector3.One);
        Assert.Equal(2, smoothing.Corrections); // no jump, no correction
    }
}
