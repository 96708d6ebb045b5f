namespace Traktor.Ecs.Systems;

/// <summary>
/// A system in Arch.Extended's shape. A frame calls <see cref="BeforeUpdate"/>, <see cref="Update"/>
/// and <see cref="AfterUpdate"/> in that order; <see cref="Group{T}.Tick"/> does all three.
/// </summary>
/// <typeparam name="T">The per-frame state passed to every system, typically the delta time.</typeparam>
public interface ISystem<T> : IDisposable
{
    /// <summary>Called once before the first frame.</summary>
    void Initialize();

    /// <summary>Called at the start of each frame.</summary>
    /// <param name="state">The frame state.</param>
    void BeforeUpdate(in T state);

    /// <summary>The system's work for the frame.</summary>
    /// <param name="state">The frame state.</param>
    void Update(in T state);

    /// <summary>Called at the end of each frame.</summary>
    /// <param name="state">The frame state.</param>
    void AfterUpdate(in T state);
}
