using System.Numerics;

namespace Traktor.Ecs.Net.Replication.Interest;

/// <summary>
/// A uniform 2D grid (the caller projects positions to a plane) that answers "which items lie
/// within a radius of this point" in time proportional to the items nearby. Rebuilt every tick from
/// scratch: <see cref="Clear"/>, <see cref="Insert"/> each item, then query. Items are dense integer
/// indices chosen by the caller. Storage is reused across ticks, so a steady-state tick allocates
/// nothing. The first query after inserts indexes the items, so a grid being filled must not be queried
/// from several threads at once (queries of an indexed grid only read).
/// </summary>
/// <remarks>
/// The index sorts the items by cell (a counting sort), so the items of a column of cells lie next to each other and a
/// query reads a few short runs of memory instead of chasing a linked list per cell through arrays in insertion order:
/// a server asks once per connection and tick (at 2,000 connections, linked lists per cell cost ~1.7 ms a tick). When the
/// occupied cells are spread too thinly for a dense table of cells (a few items far apart), cells are found through a
/// dictionary instead. Either way the visit order is the same.
/// </remarks>
public sealed class SpatialGrid
{
    private readonly float cellSize;
    private readonly float inverseCellSize;

    // Insertion order.
    private int[] items = new int[256];
    private Vector2[] positions = new Vector2[256];
    private int[] cellXs = new int[256];
    private int[] cellYs = new int[256];
    private int count;
    private bool indexed;

    // The dense index: the items sorted by cell, x-major (a column of cells is one run), latest inserted first in a cell.
    private bool dense;
    private int originX;
    private int originY;
    private int width;
    private int height;
    private int[] cellStarts = [];
    private int[] sortedItems = new int[256];
    private Vector2[] sortedPositions = new Vector2[256];

    // The sparse index: the newest item of each occupied cell, and from each item the one inserted before it in its cell.
    private readonly Dictionary<long, int> cellHeads = new();
    private int[] next = new int[256];

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
        count = 0;
        indexed = false;
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
            Array.Resize(ref positions, count * 2);
            Array.Resize(ref cellXs, count * 2);
            Array.Resize(ref cellYs, count * 2);
        }

        items[count] = item;
        positions[count] = position;
        cellXs[count] = CellOf(position.X);
        cellYs[count] = CellOf(position.Y);
        count++;
        indexed = false;
    }

    /// <summary>
    /// Calls <paramref name="visitor"/> for every item within <paramref name="radius"/> of
    /// <paramref name="center"/> (inclusive), with its squared distance. Items are visited cell by cell (by x, then y,
    /// ascending), the latest inserted first within a cell; when the radius covers more cells than there are items,
    /// in insertion order. The same inserts and query always give the same order.
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

        if (!indexed)
        {
            Index();
        }

        if (dense)
        {
            QueryDense(center, radiusSquared, minX, maxX, minY, maxY, ref visitor);
        }
        else
        {
            QuerySparse(center, radiusSquared, minX, maxX, minY, maxY, ref visitor);
        }
    }

    private void QueryDense<TVisitor>(Vector2 center, float radiusSquared, int minX, int maxX, int minY, int maxY, ref TVisitor visitor)
        where TVisitor : struct, IGridVisitor
    {
        // Clip to the occupied cells (outside them every cell is empty); cell coordinates are within ±2^30, so the
        // differences below fit an int.
        int fromX = Math.Max(minX, originX), toX = Math.Min(maxX, originX + width - 1);
        int fromY = Math.Max(minY, originY), toY = Math.Min(maxY, originY + height - 1);
        if (fromY > toY)
        {
            return;
        }

        var starts = cellStarts;
        var sorted = sortedPositions;
        for (int cx = fromX; cx <= toX; cx++)
        {
            int column = (cx - originX) * height;
            int end = starts[column + (toY - originY) + 1];
            for (int index = starts[column + (fromY - originY)]; index < end; index++)
            {
                float distanceSquared = Vector2.DistanceSquared(sorted[index], center);
                if (distanceSquared <= radiusSquared)
                {
                    visitor.Visit(sortedItems[index], distanceSquared);
                }
            }
        }
    }

    private void QuerySparse<TVisitor>(Vector2 center, float radiusSquared, int minX, int maxX, int minY, int maxY, ref TVisitor visitor)
        where TVisitor : struct, IGridVisitor
    {
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

    /// <summary>Indexes the items inserted since the last <see cref="Clear"/>: densely when the occupied cells are compact.</summary>
    private void Index()
    {
        indexed = true;
        int lowX = int.MaxValue, highX = int.MinValue, lowY = int.MaxValue, highY = int.MinValue;
        for (int i = 0; i < count; i++)
        {
            lowX = Math.Min(lowX, cellXs[i]);
            highX = Math.Max(highX, cellXs[i]);
            lowY = Math.Min(lowY, cellYs[i]);
            highY = Math.Max(highY, cellYs[i]);
        }

        long cells = count == 0 ? 0 : ((long)highX - lowX + 1) * ((long)highY - lowY + 1);
        // A dense table pays while it is not much larger than the items (a table as large as four times the items plus
        // a few thousand cells is still a few kilobytes of ints touched once per tick).
        dense = cells <= (4L * count) + 4096;
        if (dense)
        {
            IndexDense(lowX, lowY, count == 0 ? 0 : highX - lowX + 1, count == 0 ? 0 : highY - lowY + 1);
        }
        else
        {
            IndexSparse();
        }
    }

    private void IndexDense(int lowX, int lowY, int columns, int rows)
    {
        originX = lowX;
        originY = lowY;
        width = columns;
        height = rows;
        int cells = columns * rows;
        if (cellStarts.Length < cells + 1)
        {
            cellStarts = new int[Math.Max(cells + 1, cellStarts.Length * 3 / 2)]; // a new high of occupied extent
        }

        if (sortedItems.Length < count)
        {
            sortedItems = new int[items.Length];
            sortedPositions = new Vector2[items.Length];
        }

        // Counting sort by cell, into runs x-major. Items go in from the latest inserted, so each cell's run starts with
        // its latest item (the order the sparse index and earlier versions of this grid visit in).
        var starts = cellStarts.AsSpan(0, cells + 1);
        starts.Clear();
        for (int i = 0; i < count; i++)
        {
            starts[CellIndex(i) + 1]++;
        }

        for (int cell = 0; cell < cells; cell++)
        {
            starts[cell + 1] += starts[cell];
        }

        // Filling advances each cell's start to the next cell's; shifting by one afterwards restores the starts.
        for (int i = count - 1; i >= 0; i--)
        {
            int at = starts[CellIndex(i)]++;
            sortedItems[at] = items[i];
            sortedPositions[at] = positions[i];
        }

        starts[..cells].CopyTo(starts[1..]);
        starts[0] = 0;
    }

    private int CellIndex(int item) => ((cellXs[item] - originX) * height) + (cellYs[item] - originY);

    private void IndexSparse()
    {
        cellHeads.Clear();
        // No more cells can be occupied than there are items: with room for as many cells as items, moving items that
        // spread over more cells than ever before do not make the table grow in a tick.
        cellHeads.EnsureCapacity(count);
        if (next.Length < items.Length)
        {
            next = new int[items.Length];
        }

        for (int i = 0; i < count; i++)
        {
            long key = KeyOf(cellXs[i], cellYs[i]);
            next[i] = cellHeads.TryGetValue(key, out int head) ? head : -1;
            cellHeads[key] = i;
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
