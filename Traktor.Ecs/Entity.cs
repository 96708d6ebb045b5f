using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

/// <summary>
/// A handle to an entity: an id slot in its world, the id of that world, and the version of the slot.
/// Ids start at 0 and are recycled (as in Arch); a destroyed entity's slot gets <c>Version + 1</c>, so
/// stale handles the world issued are detected, and a handle from another world is refused
/// (<see cref="WrongWorldException"/>) instead of reaching whatever entity holds the same id there. The
/// world id is also what lets the extension methods (<c>entity.Get&lt;T&gt;()</c>) find the world, as in Arch.
/// A handle built by hand with <see cref="Entity(int, int)"/> has version 0: like Arch's, it reaches
/// whatever entity holds that id in that world now.
/// </summary>
/// <remarks>
/// World ids start at 0 and a destroyed world's id is given to the next world, as in Arch. Handles the
/// world issues also carry that world's generation (hidden; not part of equality), so a handle kept from a
/// destroyed world is refused by the world that took over its id. <c>default(Entity)</c> and
/// <see cref="Null"/> belong to no world (<see cref="WorldId"/> -1) and are never alive.
/// </remarks>
public readonly struct Entity : IEquatable<Entity>, IComparable<Entity>
{
    /// <summary>The handle that never refers to a live entity (id 0, no world: <see cref="WorldId"/> -1, version 0).</summary>
    public static readonly Entity Null = default;

    /// <summary>The slot index inside its world, from 0. Recycled after the entity is destroyed.</summary>
    public readonly int Id;

    /// <summary>
    /// The slot's version when this handle was issued (Arch's <c>world.Version(entity)</c>); issued versions
    /// start at 1. Version 0 marks a hand-built handle that matches any version.
    /// </summary>
    public readonly int Version;

    // 0: no world. Otherwise (generation << 16) | (world id + 1); generation 0 marks a hand-built handle,
    // which names the world by id only (worlds issue handles with generation >= 1).
    private readonly int worldKey;

    /// <summary>
    /// Builds a handle by hand, as Arch's <c>new Entity(id, worldId)</c>: it has no version (0), so it
    /// reaches whatever entity holds <paramref name="id"/> in that world now, without the stale-handle
    /// check. Prefer the handles the world issues (or an <see cref="EntityReference"/>).
    /// </summary>
    /// <param name="id">The slot index.</param>
    /// <param name="worldId">The <see cref="World.Id"/> of the world (-1: no world).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="worldId"/> is below -1 or above the largest world id.</exception>
    public Entity(int id, int worldId)
        : this(id, worldId, 0)
    {
    }

    /// <summary>
    /// Builds a handle by hand with a version: it reaches the entity holding <paramref name="id"/> in that
    /// world only while the slot has that version. Worlds issue handles; user code normally receives them.
    /// </summary>
    /// <param name="id">The slot index.</param>
    /// <param name="worldId">The <see cref="World.Id"/> of the world (-1: no world).</param>
    /// <param name="version">The slot version (0: any).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="worldId"/> is below -1 or above the largest world id.</exception>
    public Entity(int id, int worldId, int version)
    {
        if ((uint)(worldId + 1) > WorldKeys.SlotMask)
        {
            throw new ArgumentOutOfRangeException(nameof(worldId), worldId, $"World ids run from 0 to {WorldKeys.SlotMask - 1} (-1: no world).");
        }

        Id = id;
        Version = version;
        worldKey = worldId + 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Entity(int id, int version, int worldKey, bool _)
    {
        Id = id;
        Version = version;
        this.worldKey = worldKey;
    }

    /// <summary>The <see cref="World.Id"/> of the world this handle belongs to (-1 for <see cref="Null"/>).</summary>
    public int WorldId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (worldKey & WorldKeys.SlotMask) - 1;
    }

    /// <summary>The world's key (id and generation) this handle carries; see <see cref="WorldKeys"/>.</summary>
    internal int WorldKey
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => worldKey;
    }

    /// <summary>A handle issued by the world with <paramref name="worldKey"/> (or 0: a command-buffer placeholder).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Entity Issued(int id, int worldKey, int version) => new(id, version, worldKey, false);

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
