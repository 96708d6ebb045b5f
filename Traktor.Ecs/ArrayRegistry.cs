namespace Traktor.Ecs;

/// <summary>
/// Arch 2.x's <c>ArrayRegistry</c>: in Arch, AOT builds call <c>ArrayRegistry.Add&lt;T&gt;()</c> for every component so
/// its chunk arrays are made without reflection. Here every component type gets a typed array factory when it
/// registers, so <see cref="Add{T}"/> only has to register the type (ahead of first use, by its
/// generic form, which needs no reflection either).
/// </summary>
public static class ArrayRegistry
{
    /// <summary>Registers <typeparamref name="T"/> as a component type, with its array factory (Arch's AOT registration step).</summary>
    /// <typeparam name="T">The component type.</typeparam>
    public static void Add<T>() => _ = Component<T>.ComponentType;

    /// <summary>A new array of <paramref name="type"/>'s component values (a <c>T[]</c>), made without reflection.</summary>
    /// <param name="type">A registered component type.</param>
    /// <param name="capacity">The array's length.</param>
    /// <returns>The array, every element at its default.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="type"/> is <c>default(ComponentType)</c>, not one the registry handed out.</exception>
    public static Array GetArray(ComponentType type, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (type.Columns is null)
        {
            throw new ArgumentException("default(ComponentType) names no component type; get one from Component<T>.ComponentType or a Type.", nameof(type));
        }

        return type.Columns.Create(capacity);
    }
}
