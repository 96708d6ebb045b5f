namespace Traktor.Ecs;

/// <summary>
/// A type-keyed service locator owned by a world: singletons (game clock, config) and services
/// (leaderboards, transport). One instance per type; look-ups are by the exact type it was added as.
/// </summary>
public sealed class Resources
{
    private readonly Dictionary<Type, object> items = new();

    /// <summary>The number of resources held.</summary>
    public int Count => items.Count;

    /// <summary>Adds a resource under type <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The key type, usually an interface such as <c>ILeaderboards</c>.</typeparam>
    /// <param name="resource">The instance.</param>
    /// <exception cref="InvalidOperationException">A <typeparamref name="T"/> is already present; use <see cref="Replace{T}"/>.</exception>
    public void Add<T>(T resource)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (!items.TryAdd(typeof(T), resource))
        {
            throw new InvalidOperationException(
                $"Resources already hold a {TypeNames.Display(typeof(T))} (a {TypeNames.Display(items[typeof(T)].GetType())}); use Replace to swap it.");
        }
    }

    /// <summary>Adds or replaces the resource under type <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The key type.</typeparam>
    /// <param name="resource">The new instance.</param>
    /// <returns>The previous instance, or default when there was none.</returns>
    public T? Replace<T>(T resource)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(resource);
        items.TryGetValue(typeof(T), out var previous);
        items[typeof(T)] = resource;
        return previous is null ? default : (T)previous;
    }

    /// <summary>The resource under type <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The key type.</typeparam>
    /// <exception cref="KeyNotFoundException">No <typeparamref name="T"/> was added.</exception>
    public T Get<T>()
        where T : notnull
    {
        if (items.TryGetValue(typeof(T), out var resource))
        {
            return (T)resource;
        }

        string name = TypeNames.Display(typeof(T));
        throw new KeyNotFoundException($"Resources hold no {name}; add one with world.Resources.Add<{name}>(…).");
    }

    /// <summary>Looks up the resource under type <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The key type.</typeparam>
    /// <param name="resource">The instance, when present.</param>
    /// <returns>True when present.</returns>
    public bool TryGet<T>(out T resource)
        where T : notnull
    {
        if (items.TryGetValue(typeof(T), out var found))
        {
            resource = (T)found;
            return true;
        }

        resource = default!;
        return false;
    }

    /// <summary>True when a resource is held under type <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The key type.</typeparam>
    public bool Has<T>()
        where T : notnull => items.ContainsKey(typeof(T));

    /// <summary>Removes the resource under type <typeparamref name="T"/> (without disposing it).</summary>
    /// <typeparam name="T">The key type.</typeparam>
    /// <returns>True when one was removed.</returns>
    public bool Remove<T>()
        where T : notnull => items.Remove(typeof(T));

    /// <summary>Disposes every disposable resource once and clears the locator (the world is going away).</summary>
    internal void DisposeAll()
    {
        foreach (var resource in items.Values.Distinct(ReferenceEqualityComparer.Instance))
        {
            (resource as IDisposable)?.Dispose();
        }

        items.Clear();
    }
}
