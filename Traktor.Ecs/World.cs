using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

/// <summary>
/// An archetype ECS world with the API shape of Arch 2.x: entities, components stored per
/// archetype in dense chunks, cached queries, per-chunk change versions and a resource locator.
/// Not thread-safe: one thread drives a world.
/// </summary>
public sealed partial class World : IDisposable
{
    private readonly Dictionary<BitSet, Archetype> archetypesByMask = new();
    private readonly List<Archetype> archetypes = new();
    private readonly Dictionary<QueryDescription, Query> queries = new();
    private Archetype? emptyArchetype;
    private EntitySlot[] slots;
    private int slotCount; // ids start at 0 as in Arch; Entity.Null (version 0, world 0) is never alive
    // Freed ids wait in a ring (a queue, as Arch's recycled ids): the id freed longest ago is reused first.
    // The length stays a power of two so the wrap is a mask.
    private int[] freeIds = new int[64];
    private int freeHead;
    private int freeCount;
    private Archetype?[] archetypeBySignature = new Archetype?[16];
    private Archetype[] archetypeSnapshot = [];
    private int iterationDepth;
    private bool disposed;

    // No defaults here: both Create overloads pass the Default* constants, so they cannot drift apart again.
    private World(int chunkSizeInBytes, int minimumAmountOfEntitiesPerChunk, int archetypeCapacity, int entityCapacity)
    {
        BaseChunkSize = chunkSizeInBytes;
        BaseChunkEntityCount = minimumAmountOfEntitiesPerChunk;
        archetypes.Capacity = archetypeCapacity;
        slots = new EntitySlot[Math.Max(1, entityCapacity)];
        Key = WorldRegistry.Register(this);
        Id = WorldKeys.WorldId(Key);
    }

    /// <summary>Creates a new, empty world.</summary>
    /// <remarks>
    /// The priority keeps <c>World = World.Create();</c> inside a class with a <c>World</c> property
    /// binding here rather than to the instance <c>Create(params ReadOnlySpan&lt;ComponentType&gt;)</c>.
    /// </remarks>
    [OverloadResolutionPriority(2)]
    public static World Create() =>
        new(DefaultBaseChunkSize, DefaultBaseChunkEntityCount, DefaultArchetypeCapacity, DefaultEntityCapacity);

    /// <summary>
    /// How many worlds are alive in the process (created and not yet destroyed), as Arch's <c>World.WorldSize</c>.
    /// Safe to read while other threads create and destroy worlds.
    /// </summary>
    public static int WorldSize => WorldRegistry.Count;

    /// <summary>Destroys a world, releasing its storage and disposing its disposable resources.</summary>
    /// <param name="world">The world.</param>
    public static void Destroy(World world) => world.Dispose();

    /// <summary>
    /// The id of this world, carried by every <see cref="Entity"/> it issues. As in Arch, ids start at 0,
    /// are unique among live worlds, and a destroyed world's id goes to the next world created; handles
    /// kept from the destroyed world are still refused there (they carry its generation, see <see cref="Entity"/>).
    /// </summary>
    public int Id { get; }

    /// <summary>The id plus this world's generation, as carried by the handles it issues.</summary>
    internal int Key { get; }

    /// <summary>Singletons and services of this world (the service locator).</summary>
    public Resources Resources { get; } = new();

    /// <summary>
    /// The current change version. Every write access stamps the chunk column it touches with it.
    /// A reader notes <see cref="ChangeVersion"/>, calls <see cref="AdvanceChangeVersion"/>, and next time
    /// visits only chunks changed since the noted version. (Not Arch's <c>world.Version(entity)</c>, which
    /// is <see cref="Version(Entity)"/>: the version of an entity's id slot.)
    /// </summary>
    public uint ChangeVersion { get; private set; } = 1;

    /// <summary>
    /// Every entity id issued so far is below this bound, so arrays indexed by <see cref="Entity.Id"/>
    /// of this length can hold per-entity data (the replication layer does so).
    /// </summary>
    public int IdBound => slotCount;

    /// <summary>The number of live entities.</summary>
    public int Size { get; private set; }

    /// <summary>The archetypes created so far (including the empty one).</summary>
    public IReadOnlyList<Archetype> Archetypes => archetypes;

    /// <summary>True while a query or chunk enumeration is running on this world.</summary>
    public bool IsIterating => iterationDepth > 0;

    /// <summary>Moves the <see cref="ChangeVersion"/> forward and returns the new value.</summary>
    public uint AdvanceChangeVersion() => ++ChangeVersion;

    /// <summary>
    /// Releases all entities and disposes resources that are <see cref="IDisposable"/>. Afterwards no
    /// entity is alive and creating one throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (!disposed)
        {
            WorldRegistry.Unregister(Key);
        }

        disposed = true;
        deferred?.Clear();
        StopParallelRunner();
        Resources.DisposeAll();
        archetypesByMask.Clear();
        archetypes.Clear();
        queries.Clear();
        slots = [];
        slotCount = 0;
        Size = 0;
    }

    /// <inheritdoc />
    public override string ToString() => $"World#{Id}(Size:{Size}, Archetypes:{archetypes.Count})";

    /// <summary>The live slot of <paramref name="entity"/>, or an exception naming the operation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref EntitySlot AliveSlot(Entity entity, string operation, Type? componentType = null)
    {
        if (entity.WorldKey != Key && !WorldKeys.Matches(entity.WorldKey, Key))
        {
            ThrowWrongWorld(entity, operation, componentType);
        }

        if ((uint)entity.Id >= (uint)slotCount)
        {
            throw new EntityNotAliveException(entity, Describe(operation, componentType));
        }

        ref var slot = ref slots[entity.Id];
        if (slot.Version != entity.Version || slot.Archetype is null)
        {
            return ref UnversionedSlot(entity, operation, componentType);
        }

        return ref slot;
    }

    /// <summary>
    /// The slot of a hand-built, unversioned handle (<c>new Entity(id, worldId)</c>, version 0), which
    /// reaches whatever entity holds the id now, as in Arch; otherwise the handle is dead (or pending).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ref EntitySlot UnversionedSlot(Entity entity, string operation, Type? componentType)
    {
        ref var slot = ref slots[entity.Id];
        if (entity.Version != 0 || slot.Archetype is null)
        {
            ThrowNotAlive(entity, operation, componentType);
        }

        return ref slot;
    }

    /// <summary>True when a handle's version names the slot's current occupant (0: any occupant).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool VersionMatches(int slotVersion, int handleVersion) => slotVersion == handleVersion || handleVersion == 0;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowNotAlive(Entity entity, string operation, Type? componentType)
    {
        if (IsPending(entity))
        {
            throw new EntityPendingException(entity, Describe(operation, componentType));
        }

        throw new EntityNotAliveException(entity, Describe(operation, componentType));
    }

    // Operation names are formatted only when an exception is thrown, so the happy path allocates nothing.
    private static string Describe(string operation, Type? componentType) =>
        componentType is null ? operation : $"{operation}<{componentType.Name}>";

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowWrongWorld(Entity entity, string operation, Type? componentType) =>
        throw (entity.WorldKey == 0 ? new EntityNotAliveException(entity, Describe(operation, componentType)) : new WrongWorldException(entity, Id, Describe(operation, componentType)));

    private void ThrowIfIterating(Entity entity, string operation, Type? componentType = null)
    {
        if (iterationDepth > 0)
        {
            throw new StructuralChangeDuringQueryException(entity, Describe(operation, componentType));
        }
    }

    private Archetype GetOrCreateArchetype(BitSet mask)
    {
        if (archetypesByMask.TryGetValue(mask, out var existing))
        {
            return existing;
        }

        var archetype = new Archetype(this, mask);
        foreach (var type in archetype.Types)
        {
            if (type.DescribesComponentTypes)
            {
                throw new InvalidComponentTypeException(type.Type);
            }
        }

        archetypesByMask.Add(mask, archetype);
        archetypes.Add(archetype);
        foreach (var query in queries.Values)
        {
            query.TryAdd(archetype);
        }

        return archetype;
    }

    private Archetype ArchetypeForSignature(int signatureId, ReadOnlySpan<ComponentType> types)
    {
        if (signatureId < archetypeBySignature.Length && archetypeBySignature[signatureId] is { } cached)
        {
            return cached;
        }

        SignatureIds.ThrowIfDuplicate(types);
        Span<int> ids = stackalloc int[types.Length];
        for (int i = 0; i < types.Length; i++)
        {
            ids[i] = types[i].Id;
        }

        var archetype = GetOrCreateArchetype(BitSet.From(ids));
        if (signatureId >= archetypeBySignature.Length)
        {
            Array.Resize(ref archetypeBySignature, Math.Max(signatureId + 1, archetypeBySignature.Length * 2));
        }

        archetypeBySignature[signatureId] = archetype;
        return archetype;
    }

    private Entity NewEntity(Archetype archetype, out int chunkIndex, out int row)
    {
        int id = AllocateId();
        ref var slot = ref slots[id];
        var entity = Entity.Issued(id, Key, slot.Version);
        (chunkIndex, row) = archetype.Allocate(entity, ChangeVersion);
        slot.Archetype = archetype;
        slot.Chunk = chunkIndex;
        slot.Row = row;
        Size++;
        return entity;
    }

    /// <summary>A free id (recycled or new); its slot's version is the one the next handle gets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int AllocateId()
    {
        // The slot table is gone after Dispose; fail clearly rather than with an IndexOutOfRangeException.
        ObjectDisposedException.ThrowIf(disposed, this);
        int id;
        if (freeCount > 0)
        {
            id = freeIds[freeHead];
            freeHead = (freeHead + 1) & (freeIds.Length - 1);
            freeCount--;
        }
        else
        {
            if (slotCount == slots.Length)
            {
                Array.Resize(ref slots, slots.Length * 2);
            }

            id = slotCount++;
            slots[id].Version = 1;
        }

        return id;
    }

    /// <summary>
    /// Where a live entity is stored; <see cref="Archetype"/> is null for a free slot and for a pending
    /// one (created during a query, <see cref="Pending"/> set, stored when the query ends).
    /// </summary>
    private struct EntitySlot
    {
        public Archetype? Archetype;
        public int Chunk;
        public int Row;
        public int Version;
        public bool Pending;
    }
}
