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

    [Fact]
    public void ItemsComeCellByCellLatestFirstWhetherCellsAreIndexedDenselyOrSparsely()
    {
        // One grid refilled 600 times, with extents growing and shrinking (its dense table is reused), and now and then
        // two far outliers that make the occupied cells too sparse for a dense table. Whatever the index, a query visits
        // the cells by x then y, ascending, and within a cell the latest inserted item first: replication's choice
        // among equal priorities follows this order, so the same world must always give it.
        const float CellSize = 10f;
        var grid = new SpatialGrid(CellSize);
        var random = new Random(4);
        for (int round = 0; round < 600; round++)
        {
            grid.Clear();
            float extent = random.Next(1, 6) * 40f;
            var points = new List<Vector2>();
            for (int i = 0; i < random.Next(10, 300); i++)
            {
                points.Add(new Vector2(((float)random.NextDouble() * 2 - 1) * extent, ((float)random.NextDouble() * 2 - 1) * extent));
            }

            if (round % 3 == 0)
            {
                points.Insert(random.Next(points.Count), new Vector2(1e6f, -1e6f));
                points.Insert(random.Next(points.Count), new Vector2(-1e6f, 1e6f));
            }

            for (int i = 0; i < points.Count; i++)
            {
                grid.Insert(i, points[i]);
            }

            for (int query = 0; query < 5; query++)
            {
                var center = new Vector2(((float)random.NextDouble() * 2 - 1) * extent, ((float)random.NextDouble() * 2 - 1) * extent);
                float radius = (float)random.NextDouble() * CellSize; // at most 3 × 3 cells: fewer than the items, so by cell
                var collector = new Collector { Items = new List<int>() };
                grid.QueryRadius(center, radius, ref collector);
                int Cell(float coordinate) => (int)MathF.Floor(coordinate * (1f / CellSize));
                var expected = Enumerable.Range(0, points.Count)
                    .Where(i => Vector2.DistanceSquared(points[i], center) <= radius * radius)
                    .OrderBy(i => Cell(points[i].X)).ThenBy(i => Cell(points[i].Y)).ThenByDescending(i => i);
                Assert.Equal(expected, collector.Items);
            }
        }
    }
}
