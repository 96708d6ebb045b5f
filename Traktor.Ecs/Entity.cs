using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

/// <summary>
/// A handle to an entity: an id slot in its world, the id of that world, and the version of the slot.
/// Ids are recycled; a destroyed entity's slot gets <c>Version + 1</c>, so stale handles are detected,
/// and a handle from another world is refused (<see cref="WrongWorldException"/>) instead of reaching
/// whatever entity holds the same id there. The world id is also what lets the extension methods
/// (<c>entity.Get&lt;T&gt;()</c>) find the world, as in Arch.
/// </summary>
public readonly struct Entity : IEquatable<Entity>, IComparable<Entity>
{
    /// <summary>The handle that never refers to a live entity (id 0, world 0, version 0).</summary>
    public static readonly Entity Null = default;

    /// <summary>The slot index inside its world. Recycled after the entity is destroyed. Live ids start at 1.</summary>
    public readonly int Id;

    /// <summary>The <see cref="World.Id"/> of the world that issued this handle; 0 for none.</summary>
    public readonly int WorldId;

    /// <summary>The slot's version when this handle was issued. Live slots start at version 1.</summary>
    public readonly int Version;

    /// <summary>Creates a handle that belongs to no world (world id 0). Worlds issue real handles.</summary>
    /// <param name="id">The slot index.</param>
    /// <param name="version">The slot version.</param>
    public Entity(int id, int version)
        : this(id, 0, version)
    {
    }

    /// <summary>Creates a handle. Worlds issue handles; user code normally receives them.</summary>
    /// <param name="id">The slot index.</param>
    /// <param name="worldId">The id of the world the slot belongs to.</param>
    /// <param name="version">The slot version.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Entity(int id, int worldId, int version)
    {
        Id = id;
        WorldId = worldId;
        Version = version;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(Entity other) => Id == other.Id && Version == other.Version && WorldId == other.WorldId;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Entity other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, WorldId, Version);

    /// <summary>Orders handles by world, then id, then version.</summary>
    /// <param name="other">The other handle.</param>
    public int CompareTo(Entity other)
    {
        int byWorld = WorldId.CompareTo(other.WorldId);
        if (byWorld != 0)
        {
            return byWorld;
        }

        int byId = Id.CompareTo(other.Id);
        return byId != 0 ? byId : Version.CompareTo(other.Version);
    }

    /// <summary>Compares two handles by id, world and version.</summary>
    public static bool operator ==(Entity left, Entity right) => left.Equals(right);

    /// <summary>Compares two handles by id, world and version.</summary>
    public static bool operator !=(Entity left, Entity right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => $"Entity(Id:{Id}, Version:{Version}, World:{WorldId})";
}
