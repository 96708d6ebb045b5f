namespace Traktor.Ecs;

/// <summary>The static per-type cache of a component's <see cref="ComponentType"/>, as in Arch.</summary>
/// <typeparam name="T">The component type.</typeparam>
public static class Component<T>
{
    /// <summary>The component type of <typeparamref name="T"/>, registered on first use.</summary>
    public static readonly ComponentType ComponentType = ComponentRegistry.Register<T>();

    /// <summary>Shortcut for <c>ComponentType.Id</c>.</summary>
    public static readonly int Id = ComponentType.Id;
}
