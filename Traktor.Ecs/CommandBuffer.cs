namespace Traktor.Ecs;

/// <summary>
/// Records structural changes (create, destroy, add, set, remove) for later, so systems can request
/// them while a query iterates. <see cref="Playback(World, bool)"/> applies them in the order recorded.
/// Entities created by the buffer are placeholders (negative ids) usable in later commands of the
/// same buffer until its next <see cref="Playback(World, bool)"/> or <see cref="Clear"/>; playback maps them to
/// the real entities. A placeholder's version identifies the recording it came from, so one from
/// another buffer or an earlier recording is rejected instead of resolving to the wrong entity.
/// Shaped as Arch 2.x's: entities are passed by <c>in</c>, <see cref="Playback(World, bool)"/> takes the
/// world, and the buffer is <see cref="IDisposable"/>.
/// </summary>
public sealed class CommandBuffer : IDisposable
{
    private static int lastGeneration;
    private readonly List<Command> commands = new();
    private readonly RecordedValues recorded = new();
    private readonly List<ComponentType[]> createTypes = new();
    private Entity[] created = new Entity[16];
    private int createdCount;
    private int generation = NextGeneration();

    /// <summary>Creates a buffer; pass the world to <see cref="Playback(World, bool)"/>.</summary>
    public CommandBuffer()
    {
    }

    /// <summary>Creates a buffer bound to a world, so <see cref="Playback()"/> needs no argument (Arch 1.x's shape).</summary>
    /// <param name="world">The world the recorded commands will change.</param>
    public CommandBuffer(World world)
    {
        ArgumentNullException.ThrowIfNull(world);
        World = world;
    }

    /// <summary>The world given to the constructor, if any.</summary>
    public World? World { get; }

    /// <summary>The number of commands recorded and not yet played back.</summary>
    public int Size => commands.Count;

    /// <summary>Records the creation of an entity; returns a placeholder for use in this buffer only.</summary>
    public Entity Create()
    {
        var placeholder = Entity.Issued(-(++createdCount), 0, generation);
        commands.Add(new Command(CommandKind.Create, placeholder, null, -1));
        return placeholder;
    }

    /// <summary>
    /// Records the creation of an entity with the given component types at their default values
    /// (Arch's <c>Create(ComponentType[])</c>); returns a placeholder for use in this buffer only.
    /// The array is read at playback, so do not change it before then.
    /// </summary>
    /// <param name="types">Distinct component types.</param>
    public Entity Create(ComponentType[] types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var placeholder = Entity.Issued(-(++createdCount), 0, generation);
        createTypes.Add(types);
        commands.Add(new Command(CommandKind.Create, placeholder, null, createTypes.Count - 1));
        return placeholder;
    }

    /// <summary>Records the creation of an entity with the signature's component types at their default values.</summary>
    /// <param name="signature">Distinct component types (a <c>List&lt;ComponentType&gt;</c> converts implicitly).</param>
    public Entity Create(in Signature signature) => Create(signature.Components.ToArray());

    /// <summary>Records the destruction of an entity.</summary>
    /// <param name="entity">A live entity or a placeholder from this buffer.</param>
    public void Destroy(in Entity entity) => commands.Add(new Command(CommandKind.Destroy, entity, null, 0));

    /// <summary>Records adding a component.</summary>
    /// <typeparam name="T">The component type.</typeparam>
    /// <param name="entity">A live entity or a placeholder from this buffer.</param>
    /// <param name="component">The value.</param>
    public void Add<T>(in Entity entity, in T component = default!) => Record(CommandKind.Add, entity, in component);

    /// <summary>Records overwriting a component.</summary>
    /// <typeparam name="T">The component type.</typeparam>
    /// <param name="entity">A live entity or a placeholder from this buffer.</param>
    /// <param name="component">The value.</param>
    public void Set<T>(in Entity entity, in T component = default!) => Record(CommandKind.Set, entity, in component);

    /// <summary>Records removing a component.</summary>
    /// <typeparam name="T">The component type.</typeparam>
    /// <param name="entity">A live entity or a placeholder from this buffer.</param>
    public void Remove<T>(in Entity entity) => commands.Add(new Command(CommandKind.Remove, entity, recorded.For<T>(), 0));

    /// <summary>Plays back into the world given to the constructor.</summary>
    /// <exception cref="InvalidOperationException">The buffer was created without a world.</exception>
    public void Playback() =>
        Playback(World ?? throw new InvalidOperationException("This CommandBuffer has no world; call Playback(world)."));

    /// <summary>
    /// Applies every recorded command to <paramref name="world"/> in order, then (by default) clears
    /// the buffer. A command that fails (for example on a dead entity) throws the world's exception;
    /// the commands before it stay applied and the buffer is cleared either way.
    /// </summary>
    /// <param name="world">The world to change. Inside one of its queries the changes are deferred to the query's end, like direct ones.</param>
    /// <param name="dispose">
    /// True (Arch's default) to clear the recorded commands afterwards; false to keep them, so the same
    /// recording can be played back again (placeholders then map to the entities of the latest playback).
    /// </param>
    public void Playback(World world, bool dispose = true)
    {
        ArgumentNullException.ThrowIfNull(world);
        bool failed = true;
        if (created.Length < createdCount + 1)
        {
            Array.Resize(ref created, Math.Max(createdCount + 1, created.Length * 2));
        }

        try
        {
            foreach (var command in commands)
            {
                if (command.Kind == CommandKind.Create)
                {
                    created[-command.Entity.Id] = command.ValueIndex < 0
                        ? world.Create(ReadOnlySpan<ComponentType>.Empty)
                        : world.Create(createTypes[command.ValueIndex]);
                    continue;
                }

                var entity = Resolve(command.Entity);
                switch (command.Kind)
                {
                    case CommandKind.Destroy:
                        world.Destroy(entity);
                        break;
                    case CommandKind.Add:
                        command.Column!.Add(world, entity, command.ValueIndex);
                        break;
                    case CommandKind.Set:
                        command.Column!.Set(world, entity, command.ValueIndex);
                        break;
                    case CommandKind.Remove:
                        command.Column!.Remove(world, entity);
                        break;
                }
            }

            failed = false;
        }
        finally
        {
            if (dispose || failed)
            {
                Clear();
            }
        }
    }

    /// <summary>Discards every recorded command (the buffer stays usable).</summary>
    public void Dispose() => Clear();

    /// <summary>Discards every recorded command.</summary>
    public void Clear()
    {
        commands.Clear();
        createTypes.Clear();
        recorded.Clear();

        Array.Clear(created, 0, Math.Min(created.Length, createdCount + 1));
        createdCount = 0;
        generation = NextGeneration();
    }

    // Process-wide, so placeholders of two buffers (or two recordings of one buffer) never match.
    private static int NextGeneration() => Interlocked.Increment(ref lastGeneration);

    private Entity Resolve(Entity entity)
    {
        if (entity.Id >= 0)
        {
            return entity;
        }

        int index = -entity.Id;
        if (entity.Version != generation || index > createdCount)
        {
            throw new EcsException($"CommandBuffer: {entity} is a placeholder from another buffer or an earlier playback.");
        }

        return created[index];
    }

    private void Record<T>(CommandKind kind, Entity entity, in T component)
    {
        var column = recorded.For<T>();
        int index = column.Append(in component);
        commands.Add(new Command(kind, entity, column, index));
    }


    private enum CommandKind : byte
    {
        Create,
        Destroy,
        Add,
        Set,
        Remove,
    }

    private readonly record struct Command(CommandKind Kind, Entity Entity, RecordedColumn? Column, int ValueIndex);
}
