namespace Traktor.Ecs;

/// <summary>
/// A handle that is safe to hold across frames: the entity plus the version it had when the reference
/// was taken (Arch's shape). Since <see cref="Entity"/> already carries its version, the reference adds
/// nothing but Arch's API: <see cref="IsAlive()"/> tells whether that very entity still lives.
/// </summary>
public readonly struct EntityReference : IEquatable<EntityReference>
{
    /// <summary>The reference to no entity; never alive.</summary>
    public static readonly EntityReference Null = default;

    /// <summary>The referenced entity.</summary>
    public readonly Entity Entity;

    /// <summary>The version of the entity's slot when the reference was taken.</summary>
    public readonly int Version;

    /// <summary>Creates a reference to <paramref name="entity"/> at its own version.</summary>
    /// <param name="entity">The entity.</param>
    public EntityReference(Entity entity)
    {
        Entity = entity;
        Version = entity.Version;
    }

    /// <summary>True when the referenced entity still lives in its world (found through its world id).</summary>
    public bool IsAlive() => Entity != Entity.Null && WorldRegistry.TryGet(Entity.WorldKey) is { } world && world.IsAlive(Entity);

    /// <summary>True when the referenced entity still lives in <paramref name="world"/>.</summary>
    /// <param name="world">The world to look in.</param>
    public bool IsAlive(World world) => Entity != Entity.Null && world.IsAlive(Entity);

    /// <inheritdoc />
    public bool Equals(EntityReference other) => Entity == other.Entity && Version == other.Version;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EntityReference other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Entity, Version);

    /// <summary>Compares two references by entity and version.</summary>
    public static bool operator ==(EntityReference left, EntityReference right) => left.Equals(right);

    /// <summary>Compares two references by entity and version.</summary>
    public static bool operator !=(EntityReference left, EntityReference right) => !left.Equals(right);

    /// <summary>The referenced entity.</summary>
    /// <param name="reference">A reference.</param>
    public static implicit operator Entity(EntityReference reference) => reference.Entity;

    /// <inheritdoc />
    public override string ToString() => $"EntityReference({Entity})";
}
