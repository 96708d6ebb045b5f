using System.Collections.ObjectModel;

namespace Traktor.Ecs;

// Arch 2.x's names for the registry's lookups. Arch's Remove, Replace and Add(type, componentType) are left out on
// purpose: an id is the key of every archetype, query mask and replicated column, so it never changes once handed out.
public static partial class ComponentRegistry
{
    private static Type[] typesById = new Type[64];
    private static ReadOnlyDictionary<Type, ComponentType>? byTypeSnapshot;

    /// <summary>The number of component types registered so far (Arch's name for <see cref="Count"/>).</summary>
    public static int Size => Count;

    /// <summary>
    /// The registered CLR types indexed by component id, as Arch 2.x's <c>ComponentRegistry.Types</c>:
    /// <c>ComponentRegistry.Types[componentType.Id]</c> is its <see cref="Type"/>. Ids start at 0 and are dense, so
    /// every entry is set; types registered after the call are not in the span.
    /// </summary>
    public static ReadOnlySpan<Type> Types
    {
        get
        {
            // Count first: the array read after it holds at least that many entries (Register fills, then counts).
            int count = Count;
            return Volatile.Read(ref typesById).AsSpan(0, count);
        }
    }

    /// <summary>
    /// Every registered type with its component type, as Arch 2.x's <c>ComponentRegistry.TypeToComponentType</c>. A
    /// read-only snapshot, made again only after a new type registers.
    /// </summary>
    public static IReadOnlyDictionary<Type, ComponentType> TypeToComponentType
    {
        get
        {
            lock (Gate)
            {
                return byTypeSnapshot ??= new ReadOnlyDictionary<Type, ComponentType>(new Dictionary<Type, ComponentType>(ByType));
            }
        }
    }

    /// <summary>Registers <typeparamref name="T"/> if it is not yet (Arch's <c>Add&lt;T&gt;()</c>); the same as <see cref="Component{T}.ComponentType"/>.</summary>
    /// <typeparam name="T">The component type.</typeparam>
    /// <returns>Its component type.</returns>
    public static ComponentType Add<T>() => Component<T>.ComponentType;

    /// <summary>Registers <paramref name="type"/> if it is not yet (Arch's <c>Add(Type)</c>); the same as <see cref="GetOrRegister"/>.</summary>
    /// <param name="type">A closed type that is not by-ref, a pointer or a ref struct.</param>
    /// <returns>Its component type.</returns>
    /// <exception cref="ArgumentException">The type cannot be a component.</exception>
    public static ComponentType Add(Type type) => GetOrRegister(type);

    /// <summary>True when <typeparamref name="T"/> is registered (by <see cref="Component{T}"/>, a conversion from <see cref="Type"/> or <see cref="Add{T}"/>).</summary>
    /// <typeparam name="T">The type to look up.</typeparam>
    /// <returns>True when registered.</returns>
    public static bool Has<T>() => TryGet(typeof(T), out _);

    /// <summary>True when <paramref name="type"/> is registered.</summary>
    /// <param name="type">The type to look up.</param>
    /// <returns>True when registered.</returns>
    public static bool Has(Type type) => TryGet(type, out _);

    /// <summary>Looks up the component type registered for <typeparamref name="T"/>, registering nothing.</summary>
    /// <typeparam name="T">The type to look up.</typeparam>
    /// <param name="componentType">The registered component type, when found.</param>
    /// <returns>True when <typeparamref name="T"/> has been registered.</returns>
    public static bool TryGet<T>(out ComponentType componentType) => TryGet(typeof(T), out componentType);
}
