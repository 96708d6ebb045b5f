namespace Traktor.Ecs;

/// <summary>
/// Hands out dense component ids. Ids are process-wide (like <see cref="Type"/> itself) so that the
/// per-type id cache in <see cref="Component{T}"/> can be a static field; all per-world state lives
/// in <see cref="World"/>.
/// </summary>
public static partial class ComponentRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<Type, ComponentType> ByType = new();
    private static ComponentType[] byId = new ComponentType[64];

    // Written under Gate, read without it (Types, TryGet): the volatile write publishes the entries filled before it, and
    // the volatile read keeps a lock-free reader from seeing the count before them.
    private static int count;

    /// <summary>The number of component types registered so far.</summary>
    public static int Count => Volatile.Read(ref count);

    /// <summary>Returns the registered component type with the given id.</summary>
    /// <param name="id">A component id previously handed out.</param>
    /// <exception cref="ArgumentOutOfRangeException">No component type has that id.</exception>
    public static ComponentType Get(int id)
    {
        var snapshot = Volatile.Read(ref byId);
        if ((uint)id >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"No component type has id {id}; {Count} are registered.");
        }

        return snapshot[id];
    }

    /// <summary>Looks up the component type registered for a CLR type.</summary>
    /// <param name="type">The component's CLR type.</param>
    /// <param name="componentType">The registered component type, when found.</param>
    /// <returns>True when <paramref name="type"/> has been registered.</returns>
    public static bool TryGet(Type type, out ComponentType componentType)
    {
        lock (Gate)
        {
            return ByType.TryGetValue(type, out componentType);
        }
    }

    /// <summary>The component type of a CLR type, registering it on first use.</summary>
    /// <param name="type">A closed type that is not by-ref, a pointer or a ref struct.</param>
    /// <exception cref="ArgumentException">The type cannot be a component.</exception>
    public static ComponentType GetOrRegister(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (TryGet(type, out var existing))
        {
            return existing;
        }

        if (type.ContainsGenericParameters || type.IsByRef || type.IsPointer || type.IsByRefLike || type == typeof(void))
        {
            throw new ArgumentException($"{type} cannot be a component type (open generic, by-ref, pointer, ref struct or void).", nameof(type));
        }

        // Registration runs once per type; going through Register<T> keeps Component<T> and this path on one id.
        var register = typeof(ComponentRegistry).GetMethod(nameof(Register), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        return (ComponentType)register.MakeGenericMethod(type).Invoke(null, null)!;
    }

    internal static ComponentType Register<T>()
    {
        lock (Gate)
        {
            if (ByType.TryGetValue(typeof(T), out var existing))
            {
                return existing;
            }

            var componentType = ComponentType.Create<T>(Count);
            if (Count == byId.Length)
            {
                var grown = new ComponentType[byId.Length * 2];
                Array.Copy(byId, grown, byId.Length);
                Volatile.Write(ref byId, grown);
            }

            byId[Count] = componentType;
            if (Count == typesById.Length)
            {
                var grown = new Type[typesById.Length * 2];
                Array.Copy(typesById, grown, typesById.Length);
                Volatile.Write(ref typesById, grown);
            }

            typesById[Count] = typeof(T);
            ByType.Add(typeof(T), componentType);
            byTypeSnapshot = null;
            Volatile.Write(ref count, count + 1);
            return componentType;
        }
    }
}
