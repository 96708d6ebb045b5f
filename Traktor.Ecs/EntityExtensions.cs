namespace Traktor.Ecs;

/// <summary>
/// Arch's entity extension methods (<c>entity.Get&lt;T&gt;()</c>, <c>entity.Has&lt;T&gt;()</c>, …). Each finds
/// the entity's world through the world id the handle carries and calls the same-named
/// <see cref="World"/> method, so the same checks and exceptions apply; a handle whose world is gone
/// (or that never had one) is not alive.
/// </summary>
public static partial class EntityExtensions
{
    /// <summary>True when the entity lives in its world.</summary>
    /// <param name="entity">Any handle.</param>
    public static bool IsAlive(this Entity entity) => WorldRegistry.TryGet(entity.WorldKey)?.IsAlive(entity) ?? false;

    /// <summary>The world that issued this handle.</summary>
    /// <param name="entity">A handle of a live world.</param>
    /// <exception cref="EntityNotAliveException">Its world is destroyed, or it has none.</exception>
    public static World GetWorld(this Entity entity) => WorldOf(entity, "GetWorld");

    /// <summary>A reference to the entity, safe to hold.</summary>
    /// <param name="entity">A live entity.</param>
    public static EntityReference Reference(this Entity entity) => WorldOf(entity, "Reference").Reference(entity);

    /// <summary>The entity's archetype.</summary>
    /// <param name="entity">A live entity.</param>
    public static Archetype GetArchetype(this Entity entity) => WorldOf(entity, "GetArchetype").GetArchetype(entity);

    /// <summary>The entity's <typeparamref name="T"/> by reference (a write access).</summary>
    /// <typeparam name="T">A component the entity has.</typeparam>
    /// <param name="entity">A live entity.</param>
    public static ref T Get<T>(this Entity entity) => ref WorldOf(entity, "Get").Get<T>(entity);

    /// <summary>True when the entity has a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A component type.</typeparam>
    /// <param name="entity">A live entity.</param>
    public static bool Has<T>(this Entity entity) => WorldOf(entity, "Has").Has<T>(entity);

    /// <summary>Overwrites the entity's <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A component the entity has.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">The new value.</param>
    public static void Set<T>(this Entity entity, in T component = default!) => WorldOf(entity, "Set").Set(entity, in component);

    /// <summary>Copies out the entity's <typeparamref name="T"/> if it is alive and has one.</summary>
    /// <typeparam name="T">A component type.</typeparam>
    /// <param name="entity">Any handle.</param>
    /// <param name="component">The value, or default.</param>
    public static bool TryGet<T>(this Entity entity, out T component)
    {
        if (WorldRegistry.TryGet(entity.WorldKey) is { } world)
        {
            return world.TryGet(entity, out component);
        }

        component = default!;
        return false;
    }

    /// <summary>The entity's <typeparamref name="T"/> by reference, or a null reference when it has none.</summary>
    /// <typeparam name="T">A component type.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <param name="exists">True when found.</param>
    public static ref T TryGetRef<T>(this Entity entity, out bool exists) => ref WorldOf(entity, "TryGetRef").TryGetRef<T>(entity, out exists);

    /// <summary>Adds a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A component type the entity does not have.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">The initial value.</param>
    public static void Add<T>(this Entity entity, in T component = default!) => WorldOf(entity, "Add").Add(entity, in component);

    /// <summary>The entity's <typeparamref name="T"/> by reference, added first with <paramref name="component"/> when it has none (Arch's <c>entity.AddOrGet</c>).</summary>
    /// <typeparam name="T">A component type.</typeparam>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">The value to add when the entity has no <typeparamref name="T"/>.</param>
    /// <returns>A reference to the stored component.</returns>
    public static ref T AddOrGet<T>(this Entity entity, in T component = default!) => ref WorldOf(entity, "AddOrGet").AddOrGet(entity, in component);

    /// <summary>Removes the entity's <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">A component type the entity has.</typeparam>
    /// <param name="entity">A live entity.</param>
    public static void Remove<T>(this Entity entity) => WorldOf(entity, "Remove").Remove<T>(entity);

    /// <summary>True when the entity has a component of the given type.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="type">A component type (a <see cref="Type"/> converts implicitly).</param>
    public static bool Has(this Entity entity, ComponentType type) => WorldOf(entity, "Has").Has(entity, type);

    /// <summary>True when the entity has every one of the given component types.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Component types.</param>
    public static bool HasRange(this Entity entity, params ReadOnlySpan<ComponentType> types) => WorldOf(entity, "HasRange").HasRange(entity, types);

    /// <summary>A boxed copy of the entity's component of the given type.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="type">A component type the entity has.</param>
    public static object? Get(this Entity entity, ComponentType type) => WorldOf(entity, "Get").Get(entity, type);

    /// <summary>Boxed copies of the entity's components of the given types.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Component types the entity has.</param>
    public static object?[] GetRange(this Entity entity, params ReadOnlySpan<ComponentType> types) => WorldOf(entity, "GetRange").GetRange(entity, types);

    /// <summary>Overwrites the component of the value's run-time type.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">A boxed component value.</param>
    public static void Set(this Entity entity, object component) => WorldOf(entity, "Set").Set(entity, component);

    /// <summary>Overwrites several components, each identified by its value's run-time type.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="components">Boxed component values.</param>
    public static void SetRange(this Entity entity, params ReadOnlySpan<object> components) => WorldOf(entity, "SetRange").SetRange(entity, components);

    /// <summary>Adds a boxed component (its run-time type is the component type).</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="component">The boxed value.</param>
    public static void Add(this Entity entity, object component) => WorldOf(entity, "Add").Add(entity, component);

    /// <summary>Adds several boxed components.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="components">Boxed values of distinct types the entity does not have.</param>
    public static void AddRange(this Entity entity, params ReadOnlySpan<object> components) => WorldOf(entity, "AddRange").AddRange(entity, components);

    /// <summary>Adds components of the given types at their default values.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Distinct component types the entity does not have.</param>
    public static void AddRange(this Entity entity, params ReadOnlySpan<ComponentType> types) => WorldOf(entity, "AddRange").AddRange(entity, types);

    /// <summary>Adds components of the given types at their default values.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Distinct component types the entity does not have.</param>
    public static void AddRange(this Entity entity, IReadOnlyList<ComponentType> types) => WorldOf(entity, "AddRange").AddRange(entity, types);

    /// <summary>Removes the component of the given type.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="type">A component type the entity has.</param>
    public static void Remove(this Entity entity, ComponentType type) => WorldOf(entity, "Remove").Remove(entity, type);

    /// <summary>Removes the components of the given types.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Component types the entity has.</param>
    public static void RemoveRange(this Entity entity, params ReadOnlySpan<ComponentType> types) => WorldOf(entity, "RemoveRange").RemoveRange(entity, types);

    /// <summary>Removes the components of the given types.</summary>
    /// <param name="entity">A live entity.</param>
    /// <param name="types">Component types the entity has.</param>
    public static void RemoveRange(this Entity entity, IReadOnlyList<ComponentType> types) => WorldOf(entity, "RemoveRange").RemoveRange(entity, types);

    /// <summary>The entity's component types.</summary>
    /// <param name="entity">A live entity.</param>
    public static ComponentType[] GetComponentTypes(this Entity entity) => WorldOf(entity, "GetComponentTypes").GetComponentTypes(entity);

    /// <summary>Boxed copies of all the entity's components.</summary>
    /// <param name="entity">A live entity.</param>
    public static object?[] GetAllComponents(this Entity entity) => WorldOf(entity, "GetAllComponents").GetAllComponents(entity);

    private static World WorldOf(Entity entity, string operation) =>
        WorldRegistry.TryGet(entity.WorldKey) ?? throw new EntityNotAliveException(entity, operation + " (its world is destroyed or it has none)");
}
