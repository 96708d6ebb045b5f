using System.Numerics;

namespace Traktor.Ecs.Net.Replication.Interest;

/// <summary>
/// A uniform 2D grid (the caller projects positions to a plane) that answers "which items lie
/// within a radius of this point" in time proportional to the items nearby. Rebuilt every tick from
/// scratch: <see cref="Clear"/>, <see cref="Insert"/> each item, then query. Items are dense integer
/// indices chosen by the caller. Storage is reused across ticks, so a steady-state tick allocates
/// nothing.
/// </summary>
public sealed class SpatialGrid
{
    private readonly float cellSize;
    private readonly float inverseCellSize;
    private readonly Dictionary<long, int> cellHeads = new();
    private int[] next = new int[256];
    private Vector2[] positions = new Vector2[256];
    private int[] items = new int[256];
    private int count;

    /// <summary>Creates a grid.</summary>
    /// <param name="cellSize">The edge of one cell in world units; about the relevancy radius works well.</param>
    public SpatialGrid(float cellSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cellSize);
        if (!float.IsFinite(cellSize))
        {
            throw new ArgumentOutOfRangeException(nameof(cellSize), cellSize, "The cell size must be finite.");
        }

        this.cellSize = cellSize;
        inverseCellSize = 1f / cellSize;
    }

    /// <summary>The edge of one cell in world units.</summary>
    public float CellSize => cellSize;

    /// <summary>The number of items inserted since the last <see cref="Clear"/>.</summary>
    public int Count => count;

    /// <summary>Removes every item, keeping the storage.</summary>
    public void Clear()
    {
        cellHeads.Clear();
        // No more cells can be occupied than there are items: with room for as many cells as the last build had
        // items, moving items that spread over more cells than ever before do not make the table grow in a tick.
        cellHeads.EnsureCapacity(count);
        count = 0;
    }

    /// <summary>Adds an item at a position. Non-finite positions are placed in the cell of the origin.</summary>
    /// <param name="item">The caller's index for the item.</param>
    /// <param name="position">Where it is.</param>
    public void Insert(int item, Vector2 position)
    {
        if (!float.IsFinite(position.X) || !float.IsFinite(position.Y))
        {
            position = Vector2.Zero;
        }

        if (count == items.Length)
        {
            Array.Resize(ref items, count * 2);
            Array.Resize(ref next, count * 2);
            Array.Resize(ref positions, count * 2);
        }

        long key = KeyOf(CellOf(position.X), CellOf(position.Y));
        items[count] = item;
        positions[count] = position;
        next[count] = cellHeads.TryGetValue(key, out int head) ? head : -1;
        cellHeads[key] = count;
        count++;
    }

    /// <summary>
    /// Calls <paramref name="visitor"/> for every item within <paramref name="radius"/> of
    /// <paramref name="center"/> (inclusive), with its squared distance.
    /// </summary>
    /// <typeparam name="TVisitor">A struct visitor, so the call inlines.</typeparam>
    /// <param name="center">The query point.</param>
    /// <param name="radius">The query radius.</param>
    /// <param name="visitor">Receives the items, by reference so it can count or collect.</param>
    public void QueryRadius<TVisitor>(Vector2 center, float radius, ref TVisitor visitor)
        where TVisitor : struct, IGridVisitor
    {
        if (!float.IsFinite(center.X) || !float.IsFinite(center.Y) || !(radius >= 0))
        {
            return;
        }

        float radiusSquared = radius * radius;
        // Pad the cell range a little: a point just across a cell border can still round to within
        // the radius (distances are computed in float), and the exact test below filters anyway.
        float reach = radius + (cellSize * 1e-3f);
        int minX = CellOf(center.X - reach), maxX = CellOf(center.X + reach);
        int minY = CellOf(center.Y - reach), maxY = CellOf(center.Y + reach);
        long cellsInRange = ((long)maxX - minX + 1) * ((long)maxY - minY + 1);
        if (cellsInRange > count)
        {
            // A radius larger than the populated area: scanning the items is cheaper than the cells.
            for (int index = 0; index < count; index++)
            {
                float distanceSquared = Vector2.DistanceSquared(positions[index], center);
                if (distanceSquared <= radiusSquared)
                {
                    visitor.Visit(items[index], distanceSquared);
                }
            }

            return;
        }

        for (int cx = minX; cx <= maxX; cx++)
        {
            for (int cy = minY; cy <= maxY; cy++)
            {
                if (!cellHeads.TryGetValue(KeyOf(cx, cy), out int index))
                {
                    continue;
                }

                for (; index >= 0; index = next[index])
                {
                    float distanceSquared = Vector2.DistanceSquared(positions[index], center);
                    if (distanceSquared <= radiusSquared)
                    {
                        visitor.Visit(items[index], distanceSquared);
                    }
                }
            }
        }
    }

    private int CellOf(float coordinate) => (int)Math.Clamp(MathF.Floor(coordinate * inverseCellSize), int.MinValue / 2, int.MaxValue / 2);

    private static long KeyOf(int x, int y) => ((long)x << 32) | (uint)y;
}

/// <summary>Receives the items a <see cref="SpatialGrid"/> query finds.</summary>
public interface IGridVisitor
{
    /// <summary>Called once per item in range.</summary>
    /// <param name="item">The caller's index for the item.</param>
    /// <param name="distanceSquared">Its squared distance from the query point.</param>
    void Visit(int item, float distanceSquared);
}
