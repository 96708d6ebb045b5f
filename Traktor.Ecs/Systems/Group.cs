using System.Diagnostics;

namespace Traktor.Ecs.Systems;

/// <summary>
/// An ordered list of systems run as one (groups nest). Every phase of every member is timed, and
/// the bytes it allocates are counted, in <see cref="Profiles"/>: the profiler reads them.
/// </summary>
/// <typeparam name="T">The per-frame state.</typeparam>
public partial class Group<T> : ISystem<T>
{
    private readonly List<ISystem<T>> systems = new();
    private readonly List<SystemProfile> profiles = new();

    /// <summary>Creates a group.</summary>
    /// <param name="name">The group's name, shown by profilers.</param>
    /// <param name="systems">The initial members, in run order.</param>
    public Group(string name, params ISystem<T>[] systems)
    {
        Name = name;
        Add(systems);
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>The members, in run order.</summary>
    public IReadOnlyList<ISystem<T>> Systems => systems;

    /// <summary>One profile per member, in run order.</summary>
    public IReadOnlyList<SystemProfile> Profiles => profiles;

    /// <summary>Appends members; they run after the existing ones.</summary>
    /// <param name="members">The systems to add.</param>
    /// <returns>This group, for chaining.</returns>
    public Group<T> Add(params ISystem<T>[] members)
    {
        foreach (var system in members)
        {
            ArgumentNullException.ThrowIfNull(system);
            systems.Add(system);
            profiles.Add(new SystemProfile(system is Group<T> group ? group.Name : TypeNames.Display(system.GetType()), system));
        }

        return this;
    }

    /// <summary>The first member of type <typeparamref name="TSystem"/>, searching nested groups too.</summary>
    /// <typeparam name="TSystem">The system type.</typeparam>
    /// <returns>The system, or null.</returns>
    public TSystem? Find<TSystem>()
        where TSystem : class
    {
        foreach (var system in systems)
        {
            if (system is TSystem match)
            {
                return match;
            }

            if (system is Group<T> group && group.Find<TSystem>() is { } nested)
            {
                return nested;
            }
        }

        return null;
    }

    /// <summary>Every profile in this group and nested groups, depth first, with its nesting depth.</summary>
    public IEnumerable<(int Depth, SystemProfile Profile)> WalkProfiles()
    {
        for (int i = 0; i < systems.Count; i++)
        {
            yield return (0, profiles[i]);
            if (systems[i] is Group<T> group)
            {
                foreach (var (depth, profile) in group.WalkProfiles())
                {
                    yield return (depth + 1, profile);
                }
            }
        }
    }

    /// <summary>Runs one whole frame: <see cref="BeforeUpdate"/>, <see cref="Update"/>, <see cref="AfterUpdate"/>.</summary>
    /// <param name="state">The frame state.</param>
    public void Tick(in T state)
    {
        BeforeUpdate(in state);
        Update(in state);
        AfterUpdate(in state);
    }

    /// <inheritdoc />
    public virtual void Initialize()
    {
        foreach (var system in systems)
        {
            system.Initialize();
        }
    }

    /// <inheritdoc />
    public virtual void BeforeUpdate(in T state)
    {
        for (int i = 0; i < systems.Count; i++)
        {
            long startTicks = Stopwatch.GetTimestamp();
            long startBytes = GC.GetAllocatedBytesForCurrentThread();
            systems[i].BeforeUpdate(in state);
            profiles[i].Accumulate(Stopwatch.GetTimestamp() - startTicks, GC.GetAllocatedBytesForCurrentThread() - startBytes);
        }
    }

    /// <inheritdoc />
    public virtual void Update(in T state)
    {
        for (int i = 0; i < systems.Count; i++)
        {
            long startTicks = Stopwatch.GetTimestamp();
            long startBytes = GC.GetAllocatedBytesForCurrentThread();
            systems[i].Update(in state);
            profiles[i].Accumulate(Stopwatch.GetTimestamp() - startTicks, GC.GetAllocatedBytesForCurrentThread() - startBytes);
        }
    }

    /// <inheritdoc />
    public virtual void AfterUpdate(in T state)
    {
        for (int i = 0; i < systems.Count; i++)
        {
            long startTicks = Stopwatch.GetTimestamp();
            long startBytes = GC.GetAllocatedBytesForCurrentThread();
            systems[i].AfterUpdate(in state);
            profiles[i].Accumulate(Stopwatch.GetTimestamp() - startTicks, GC.GetAllocatedBytesForCurrentThread() - startBytes);
            profiles[i].CompleteFrame();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes every member.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var system in systems)
            {
                system.Dispose();
            }
        }
    }
}
