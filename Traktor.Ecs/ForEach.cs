namespace Traktor.Ecs;

// The shapes with components are generated at build time (Traktor.Ecs.Generators, ForEachDelegatesEmitter).

/// <summary>A query callback over each matching entity, without components (Arch's <c>ForEach</c>).</summary>
/// <param name="entity">The entity.</param>
public delegate void ForEach(Entity entity);
