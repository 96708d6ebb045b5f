namespace Traktor.Ecs;

// The shapes with components are generated at build time (Traktor.Ecs.Generators, ForEachInterfacesEmitter).

/// <summary>A struct callback over each matching entity, without components, for <c>World.InlineQuery</c>.</summary>
public interface IForEach
{
    /// <summary>Called once per matching entity.</summary>
    /// <param name="entity">The entity.</param>
    void Update(Entity entity);
}
