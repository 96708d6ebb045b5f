using System.Numerics;
using Traktor.Ecs.Net.Replication.Server;

namespace Traktor.Ecs.Net;

/// <summary>
/// Interest management: which entities a connection receives. Entities are placed in a spatial grid
/// by a position component; a connection receives those within <see cref="Radius"/> of its viewer
/// (the entity it owns that has the position), plus every entity without that position component.
/// Out-of-range entities are despawned on that client and spawned again when they come back.
/// </summary>
public abstract class Relevancy
{
    /// <summary>Creates the rule.</summary>
    /// <param name="radius">How far a viewer sees, in world units; positive and finite.</param>
    /// <param name="cellSize">The grid cell edge (default: the radius); positive and finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">The radius or the cell size is zero, negative, infinite or NaN.</exception>
    protected Relevancy(float radius, float? cellSize)
    {
        // Checked here, not first by the server's grid: a zero, infinite or NaN cell size (an infinite radius is the
        // default cell size) used to throw from the server's first tick with an entity to place, not when it was made.
        if (!(radius > 0 && float.IsFinite(radius)))
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "The relevancy radius must be positive and finite.");
        if (cellSize is { } edge && !(edge > 0 && float.IsFinite(edge)))
            throw new ArgumentOutOfRangeException(nameof(cellSize), edge, "The relevancy cell size must be positive and finite.");
        Radius = radius;
        CellSize = cellSize ?? radius;
    }

    /// <summary>How far a viewer sees.</summary>
    public float Radius { get; }

    /// <summary>The grid cell edge.</summary>
    public float CellSize { get; }

    /// <summary>The ECS component holding the position.</summary>
    public abstract ComponentType PositionType { get; }

    /// <summary>Reads the chunk's positions (projected to the grid plane) into <paramref name="positions"/> by slot.</summary>
    internal abstract void Capture(ref Chunk chunk, Vector2[] positions, bool[] hasPosition);
}

/// <summary>Relevancy by a position component of type <typeparamref name="TPosition"/>.</summary>
/// <typeparam name="TPosition">The position component.</typeparam>
/// <param name="project">Maps the component to the grid plane, e.g. <c>p =&gt; new Vector2(p.X, p.Z)</c>.</param>
/// <param name="radius">How far a viewer sees; positive and finite.</param>
/// <param name="cellSize">The grid cell edge (default: the radius); positive and finite.</param>
public sealed class SpatialRelevancy<TPosition>(Func<TPosition, Vector2> project, float radius, float? cellSize = null)
    : Relevancy(radius, cellSize)
    where TPosition : struct
{
    /// <inheritdoc />
    public override ComponentType PositionType => Component<TPosition>.ComponentType;

    internal override void Capture(ref Chunk chunk, Vector2[] positions, bool[] hasPosition)
    {
        var values = chunk.GetReadOnlySpan<TPosition>();
        var entities = chunk.Entities.AsSpan();
        for (int row = 0; row < values.Length; row++)
        {
            int slot = entities[row].Id;
            positions[slot] = project(values[row]);
            hasPosition[slot] = true;
        }
    }
}
