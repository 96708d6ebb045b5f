namespace Traktor.Ecs.Systems;

/// <summary>A system bound to a world, with every phase optional (override what you need).</summary>
/// <typeparam name="TWorld">The world type, usually <see cref="Traktor.Ecs.World"/>.</typeparam>
/// <typeparam name="T">The per-frame state.</typeparam>
public abstract class BaseSystem<TWorld, T> : ISystem<T>
{
    /// <summary>Binds the system to a world.</summary>
    /// <param name="world">The world it works on.</param>
    protected BaseSystem(TWorld world)
    {
        World = world;
    }

    /// <summary>The world this system works on.</summary>
    public TWorld World { get; }

    /// <inheritdoc />
    public virtual void Initialize()
    {
    }

    /// <inheritdoc />
    public virtual void BeforeUpdate(in T state)
    {
    }

    /// <inheritdoc />
    public virtual void Update(in T state)
    {
    }

    /// <inheritdoc />
    public virtual void AfterUpdate(in T state)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the system holds.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
    }
}
