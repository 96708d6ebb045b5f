namespace Traktor.Ecs;

/// <summary>
/// A handle to an entity in a <see cref="World"/>: an id slot plus the version of that slot.
/// Ids are recycled; a destroyed entity's slot gets <c>Version + 1</c>, so stale handles are detected.
/// </summary>
public readonly struct Entity : IEquatable<Entity>, IComparable<Entity>
{
    /// <summary>The handle that never refers to a live entity (id 0, version 0).</summary>
    public static readonly Entity Null = default;

    /// <summary>The slot index inside its world. Recycled after the entity is destroyed.</summary>
    public readonly int Id;

    /// <summary>The slot's version when this handle was issued. Live slots start at version 1.</summary>
    public readonly int Version;

    /// <summary>Creates a handle. Worlds issue handles; user code normally receives them.</summary>
    /// <param name="id">The slot index.</param>
    /// <param name="version">The slot version.</param>
    public Entity(int id, int version)
    {
        Id = id;
        Version = version;
    }

    /// <inheritdoc />
    public bool Equals(Entity other) => Id == other.Id && Version == other.Version;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Entity other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, Version);

    /// <inheritdoc />
    public int CompareTo(Entity other)
    {
        int byId = Id.CompareTo(other.Id);
        return byId != 0 ? byId : Version.CompareTo(other.Version);
    }

    /// <summary>Compares two handles by id and version.</summary>
    public static bool operator ==(Entity left, Entity right) => left.Equals(right);

    /// <summary>Compares two handles by id and version.</summary>
    public static bool operator !=(Entity left, Entity right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => $"Entity(Id:{Id}, Version:{Version})";
}
