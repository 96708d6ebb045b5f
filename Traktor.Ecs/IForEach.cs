namespace Traktor.Ecs;

/// <summary>
/// A struct callback for <c>World.InlineQuery</c>: the JIT specialises the loop for the struct and
/// inlines <see cref="Update"/>, so no delegate call remains per entity.
/// </summary>
/// <typeparam name="T0">A component type.</typeparam>
public interface IForEach<T0>
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
    void Update(ref T0 t0);
}

/// <summary>Like <see cref="IForEach{T0}"/>, with the entity handle.</summary>
/// <typeparam name="T0">A component type.</typeparam>
public interface IForEachWithEntity<T0>
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="entity">The entity.</param>
    /// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
    void Update(Entity entity, ref T0 t0);
}

/// <summary>
/// A struct callback for <c>World.InlineQuery</c>: the JIT specialises the loop for the struct and
/// inlines <see cref="Update"/>, so no delegate call remains per entity.
/// </summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
public interface IForEach<T0, T1>
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
    /// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
    void Update(ref T0 t0, ref T1 t1);
}

/// <summary>Like <see cref="IForEach{T0, T1}"/>, with the entity handle.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
public interface IForEachWithEntity<T0, T1>
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="entity">The entity.</param>
    /// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
    /// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
    void Update(Entity entity, ref T0 t0, ref T1 t1);
}

/// <summary>
/// A struct callback for <c>World.InlineQuery</c>: the JIT specialises the loop for the struct and
/// inlines <see cref="Update"/>, so no delegate call remains per entity.
/// </summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
public interface IForEach<T0, T1, T2>
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
    /// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
    /// <param name="t2">The entity's <typeparamref name="T2"/>, by reference.</param>
    void Update(ref T0 t0, ref T1 t1, ref T2 t2);
}

/// <summary>Like <see cref="IForEach{T0, T1, T2}"/>, with the entity handle.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
public interface IForEachWithEntity<T0, T1, T2>
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="entity">The entity.</param>
    /// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
    /// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
    /// <param name="t2">The entity's <typeparamref name="T2"/>, by reference.</param>
    void Update(Entity entity, ref T0 t0, ref T1 t1, ref T2 t2);
}

/// <summary>
/// A struct callback for <c>World.InlineQuery</c>: the JIT specialises the loop for the struct and
/// inlines <see cref="Update"/>, so no delegate call remains per entity.
/// </summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
/// <typeparam name="T3">A component type.</typeparam>
public interface IForEach<T0, T1, T2, T3>
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
    /// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
    /// <param name="t2">The entity's <typeparamref name="T2"/>, by reference.</param>
    /// <param name="t3">The entity's <typeparamref name="T3"/>, by reference.</param>
    void Update(ref T0 t0, ref T1 t1, ref T2 t2, ref T3 t3);
}

/// <summary>Like <see cref="IForEach{T0, T1, T2, T3}"/>, with the entity handle.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
/// <typeparam name="T3">A component type.</typeparam>
public interface IForEachWithEntity<T0, T1, T2, T3>
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="entity">The entity.</param>
    /// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
    /// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
    /// <param name="t2">The entity's <typeparamref name="T2"/>, by reference.</param>
    /// <param name="t3">The entity's <typeparamref name="T3"/>, by reference.</param>
    void Update(Entity entity, ref T0 t0, ref T1 t1, ref T2 t2, ref T3 t3);
}

/// <summary>A struct callback over each matching entity, without components, for <c>World.InlineQuery</c>.</summary>
public interface IForEach
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="entity">The entity.</param>
    void Update(Entity entity);
}
