namespace Traktor.Ecs;

/// <summary>The static per-type cache of a component's <see cref="ComponentType"/>, as in Arch.</summary>
/// <typeparam name="T">The component type.</typeparam>
public static class Component<T>
{
    /// <summary>The component type of <typeparamref name="T"/>, registered on first use.</summary>
    public static readonly ComponentType ComponentType = ComponentRegistry.Register<T>();

    /// <summary>Shortcut for <c>ComponentType.Id</c>.</summary>
    public static readonly int Id = ComponentType.Id;

    /// <summary>The signature of <typeparamref name="T"/> alone, as Arch 2.x's <c>Component&lt;T&gt;.Signature</c> (<see cref="Component{T0, T1}"/> and up give several).</summary>
    public static readonly Signature Signature = new(ComponentType);
}

/// <summary>Arch's non-generic component-type lookup (<c>Arch.Core.Utils.Component</c>).</summary>
public static class Component
{
    /// <summary>The component type of <paramref name="type"/>, registered on first use; the same as <see cref="Component{T}.ComponentType"/>.</summary>
    /// <param name="type">A component type.</param>
    /// <returns>Its <see cref="ComponentType"/>.</returns>
    /// <exception cref="ArgumentException">The type cannot be a component (open generic, by-ref, pointer, ref struct or void).</exception>
    public static ComponentType GetComponentType(Type type) => ComponentRegistry.GetOrRegister(type);
}
