using System.Numerics;
using CsCheck;
using Traktor.Ecs.Net.Replication.Interest;

namespace Traktor.Ecs.Net.Tests.Replication;

public class SpatialGridTests
{
    private struct Collector : IGridVisitor
    {
        public List<int> Items;

        public readonly void Visit(int item, float distanceSquared) => Items.Add(item);
    }

    [Fact]
    public void RadiusQueryMatchesBruteForce()
    {
        var point = Gen.Select(Gen.Float[-500f, 500f], Gen.Float[-500f, 500f], (x, y) => new Vector2(x, y));
        Gen.Select(point.Array[0, 300], point, Gen.Float[0f, 300f], Gen.Float[1f, 200f])
            .Sample((points, center, radius, cellSize) =>
            {
                var grid = new SpatialGrid(cellSize);
                for (int i = 0; i < points.Length; i++)
                {
                    grid.Insert(i, points[i]);
                }

                var collector = new Collector { Items = new List<int>() };
                grid.QueryRadius(center, radius, ref collector);
                var expected = Enumerable.Range(0, points.Length)
                    .Where(i => Vector2.DistanceSquared(points[i], center) <= radius * radius);
                Assert.Equal(expected.Order(), collector.Items.Order());
            }, iter: 2000);
    }

    [Fact]
    public void ClearEmptiesTheGridAndNonFinitePositionsDoNotThrow()
    {
        var grid = new SpatialGrid(10f);
        grid.Insert(1, new Vector2(float.NaN, float.PositiveInfinity));
        grid.Insert(2, new Vector2(5, 5));
        var collector = new Collector { Items = new List<int>() };
        grid.QueryRadius(Vector2.Zero, 1f, ref collector);
        Assert.Equal([1], collector.Items); // NaN is placed at the origin
        grid.Clear();
        collector.Items.Clear();
        grid.QueryRadius(Vector2.Zero, 100f, ref collector);
        Assert.Empty(collector.Items);
        grid.QueryRadius(new Vector2(float.NaN, 0), 100f, ref collector);
        grid.QueryRadius(Vector2.Zero, float.NaN, ref collector);
        Assert.Empty(collector.Items);
    }
}
