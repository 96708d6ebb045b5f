namespace Traktor.Ecs;

/// <summary>The base of every misuse the world detects. Thrown in Release builds too.</summary>
public class EcsException : InvalidOperationException
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong, naming the entity and component.</param>
    public EcsException(string message)
        : base(message)
    {
    }
}

/// <summary>An operation named an entity that is destroyed, stale, or from nowhere.</summary>
public sealed class EntityNotAliveException : EcsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entity">The dead or stale handle.</param>
    /// <param name="operation">The operation attempted, e.g. <c>Get&lt;Position&gt;</c>.</param>
    public EntityNotAliveException(Entity entity, string operation)
        : base($"{operation}: {entity} is not alive (destroyed, or a stale handle whose id was recycled).")
    {
        Entity = entity;
    }

    /// <summary>The handle that is not alive.</summary>
    public Entity Entity { get; }
}

/// <summary>An entity lacks a component that an operation requires.</summary>
public sealed class ComponentNotFoundException : EcsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entity">The entity (or <see cref="Entity.Null"/> for a query).</param>
    /// <param name="componentType">The missing component type.</param>
    /// <param name="operation">The operation attempted.</param>
    public ComponentNotFoundException(Entity entity, Type componentType, string operation)
        : base($"{operation}: {entity} has no component {componentType.Name}.")
    {
        Entity = entity;
        ComponentType = componentType;
    }

    /// <summary>The entity that lacks the component.</summary>
    public Entity Entity { get; }

    /// <summary>The missing component type.</summary>
    public Type ComponentType { get; }
}

/// <summary>An entity already has the component that an operation tried to add.</summary>
public sealed class DuplicateComponentException : EcsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entity">The entity.</param>
    /// <param name="componentType">The component type it already has.</param>
    public DuplicateComponentException(Entity entity, Type componentType)
        : base($"Add<{componentType.Name}>: {entity} already has a {componentType.Name}; use Set to change it.")
    {
        Entity = entity;
        ComponentType = componentType;
    }

    /// <summary>The entity.</summary>
    public Entity Entity { get; }

    /// <summary>The duplicated component type.</summary>
    public Type ComponentType { get; }
}

/// <summary>
/// A structural change that cannot be deferred was attempted while a query iterates: any create,
/// destroy, add or remove inside a parallel query (its callbacks run on several threads), or a bulk
/// change by query, <c>TrimExcess</c> or <c>Clear</c> inside any query. (Single-entity changes inside
/// an ordinary query are deferred to its end instead.) Record it in a <see cref="CommandBuffer"/>.
/// </summary>
public sealed class StructuralChangeDuringQueryException : EcsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entity">The entity concerned (or <see cref="Entity.Null"/> for a create).</param>
    /// <param name="operation">The operation attempted, e.g. <c>Add&lt;Health&gt;</c>.</param>
    public StructuralChangeDuringQueryException(Entity entity, string operation)
        : base($"{operation} on {entity} while a query is iterating: a structural change inside a parallel query, and a bulk change, TrimExcess or Clear inside any query, must wait; record it in a CommandBuffer (one per thread) and call Playback(world) after the query.")
    {
        Entity = entity;
    }

    /// <summary>The entity concerned.</summary>
    public Entity Entity { get; }
}

/// <summary>
/// A component of an entity created during the running query was read. The entity exists (its handle is
/// final and <see cref="World.IsAlive"/> is true) but is stored, with its components, only when the
/// outermost query ends; until then <c>Set</c>, <c>Add</c>, <c>Remove</c> and <c>Destroy</c> on it are
/// recorded, and reads throw this.
/// </summary>
public sealed class EntityPendingException : EcsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entity">The pending entity.</param>
    /// <param name="operation">The operation attempted, e.g. <c>Get&lt;Health&gt;</c>.</param>
    public EntityPendingException(Entity entity, string operation)
        : base($"{operation}: {entity} was created during the running query and is stored when the outermost query ends; read it after the query (or pass its values to Create).")
    {
        Entity = entity;
    }

    /// <summary>The pending entity.</summary>
    public Entity Entity { get; }
}

/// <summary>
/// An operation on one world named an entity issued by another world (or by none). Without this check
/// the handle would reach whatever entity holds the same id in this world.
/// </summary>
public sealed class WrongWorldException : EcsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="entity">The foreign handle.</param>
    /// <param name="worldId">The id of the world that refused it.</param>
    /// <param name="operation">The operation attempted.</param>
    public WrongWorldException(Entity entity, int worldId, string operation)
        : base(entity.WorldId == worldId
            ? $"{operation}: {entity} was issued by an earlier world with id {worldId}, destroyed since; this world took over its id."
            : $"{operation}: {entity} belongs to world {entity.WorldId}, not to world {worldId}.")
    {
        Entity = entity;
        WorldId = worldId;
    }

    /// <summary>The foreign handle.</summary>
    public Entity Entity { get; }

    /// <summary>The id of the world that refused the handle.</summary>
    public int WorldId { get; }
}

/// <summary>
/// A type that describes component types (<see cref="Type"/>, <see cref="ComponentType"/>, an array or
/// list of them, a <see cref="Signature"/>…) was about to be stored as a component: almost always an
/// overload mix-up such as passing <c>typeof(Position)</c> where a value was expected.
/// </summary>
public sealed class InvalidComponentTypeException : EcsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="componentType">The rejected CLR type.</param>
    public InvalidComponentTypeException(Type componentType)
        : base($"{componentType.Name} describes component types and cannot be a component itself; pass the types to Create(ComponentType[]) / AddRange(entity, types…), or pass component values.")
    {
        ComponentType = componentType;
    }

    /// <summary>The rejected CLR type.</summary>
    public Type ComponentType { get; }
}
