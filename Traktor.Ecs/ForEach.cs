namespace Traktor.Ecs;

/// <summary>A query callback over 1 component(s) of each matching entity.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
public delegate void ForEach<T0>(ref T0 t0);

/// <summary>A query callback over the entity and 1 of its components.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <param name="entity">The entity.</param>
/// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
public delegate void ForEachWithEntity<T0>(Entity entity, ref T0 t0);

/// <summary>A query callback over 2 component(s) of each matching entity.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
/// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
public delegate void ForEach<T0, T1>(ref T0 t0, ref T1 t1);

/// <summary>A query callback over the entity and 2 of its components.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <param name="entity">The entity.</param>
/// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
/// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
public delegate void ForEachWithEntity<T0, T1>(Entity entity, ref T0 t0, ref T1 t1);

/// <summary>A query callback over 3 component(s) of each matching entity.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
/// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
/// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
/// <param name="t2">The entity's <typeparamref name="T2"/>, by reference.</param>
public delegate void ForEach<T0, T1, T2>(ref T0 t0, ref T1 t1, ref T2 t2);

/// <summary>A query callback over the entity and 3 of its components.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
/// <param name="entity">The entity.</param>
/// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
/// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
/// <param name="t2">The entity's <typeparamref name="T2"/>, by reference.</param>
public delegate void ForEachWithEntity<T0, T1, T2>(Entity entity, ref T0 t0, ref T1 t1, ref T2 t2);

/// <summary>A query callback over 4 component(s) of each matching entity.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
/// <typeparam name="T3">A component type.</typeparam>
/// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
/// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
/// <param name="t2">The entity's <typeparamref name="T2"/>, by reference.</param>
/// <param name="t3">The entity's <typeparamref name="T3"/>, by reference.</param>
public delegate void ForEach<T0, T1, T2, T3>(ref T0 t0, ref T1 t1, ref T2 t2, ref T3 t3);

/// <summary>A query callback over the entity and 4 of its components.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
/// <typeparam name="T3">A component type.</typeparam>
/// <param name="entity">The entity.</param>
/// <param name="t0">The entity's <typeparamref name="T0"/>, by reference.</param>
/// <param name="t1">The entity's <typeparamref name="T1"/>, by reference.</param>
/// <param name="t2">The entity's <typeparamref name="T2"/>, by reference.</param>
/// <param name="t3">The entity's <typeparamref name="T3"/>, by reference.</param>
public delegate void ForEachWithEntity<T0, T1, T2, T3>(Entity entity, ref T0 t0, ref T1 t1, ref T2 t2, ref T3 t3);

/// <summary>A query callback over each matching entity, without components (Arch's <c>ForEach</c>).</summary>
/// <param name="entity">The entity.</param>
public delegate void ForEach(Entity entity);
