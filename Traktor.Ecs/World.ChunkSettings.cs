using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

// Arch 2.x's World.Create(chunkSizeInBytes, minimumAmountOfEntitiesPerChunk, archetypeCapacity, entityCapacity):
// the same names, taken as they come. The default minimum stays 1 (Arch's is 100) so that World.Create() and
// World.Create(chunkSizeInBytes: 16_384) build the same chunks: a 16 KiB first chunk whatever the entity's size.
public sealed partial class World
{
    /// <summary>The bytes of an archetype's first chunk unless <see cref="Create(int, int, int, int)"/> says otherwise (16 KiB, as Arch's).</summary>
    public const int DefaultBaseChunkSize = Archetype.MinChunkBytes;

    /// <summary>The entities an archetype's first chunk holds at least unless <see cref="Create(int, int, int, int)"/> says otherwise (1; Arch's is 100).</summary>
    public const int DefaultBaseChunkEntityCount = 1;

    /// <summary>The archetypes a new world makes room for unless <see cref="Create(int, int, int, int)"/> says otherwise (2, as Arch's).</summary>
    public const int DefaultArchetypeCapacity = 2;

    /// <summary>The entities a new world's id table makes room for unless <see cref="Create(int, int, int, int)"/> says otherwise (64, as Arch's).</summary>
    public const int DefaultEntityCapacity = 64;

    /// <summary>The largest <c>chunkSizeInBytes</c> <see cref="Create(int, int, int, int)"/> takes (64 MiB).</summary>
    public const int MaxBaseChunkSize = 64 * 1024 * 1024;

    /// <summary>The largest <c>minimumAmountOfEntitiesPerChunk</c> <see cref="Create(int, int, int, int)"/> takes.</summary>
    public const int MaxBaseChunkEntityCount = 1 << 20;

    /// <summary>The largest <c>archetypeCapacity</c> or <c>entityCapacity</c> <see cref="Create(int, int, int, int)"/> takes.</summary>
    public const int MaxInitialCapacity = 1 << 22;

    /// <summary>
    /// Creates a world with Arch 2.x's settings. Each archetype's first chunk takes <paramref name="chunkSizeInBytes"/>
    /// bytes, or as many more as <paramref name="minimumAmountOfEntitiesPerChunk"/> entities need; each next chunk
    /// doubles, up to <see cref="Archetype.MaxChunkBytes"/> or the first chunk's size if that is larger. The two
    /// capacities only size the first storage (it grows as needed).
    /// </summary>
    /// <param name="chunkSizeInBytes">The bytes of an archetype's first chunk, 1 to <see cref="MaxBaseChunkSize"/> (default 16 KiB, as Arch's).</param>
    /// <param name="minimumAmountOfEntitiesPerChunk">The entities an archetype's first chunk holds at least, 0 to <see cref="MaxBaseChunkEntityCount"/> (default 1; Arch's is 100).</param>
    /// <param name="archetypeCapacity">The archetypes to make room for, 0 to <see cref="MaxInitialCapacity"/> (default <see cref="DefaultArchetypeCapacity"/>).</param>
    /// <param name="entityCapacity">The entities to make room for in the id table, 0 to <see cref="MaxInitialCapacity"/> (default <see cref="DefaultEntityCapacity"/>).</param>
    /// <returns>The new world.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    [OverloadResolutionPriority(2)]
    public static World Create(
        int chunkSizeInBytes = DefaultBaseChunkSize,
        int minimumAmountOfEntitiesPerChunk = DefaultBaseChunkEntityCount,
        int archetypeCapacity = DefaultArchetypeCapacity,
        int entityCapacity = DefaultEntityCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSizeInBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkSizeInBytes, MaxBaseChunkSize);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumAmountOfEntitiesPerChunk);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumAmountOfEntitiesPerChunk, MaxBaseChunkEntityCount);
        ArgumentOutOfRangeException.ThrowIfNegative(archetypeCapacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(archetypeCapacity, MaxInitialCapacity);
        ArgumentOutOfRangeException.ThrowIfNegative(entityCapacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entityCapacity, MaxInitialCapacity);
        return new World(chunkSizeInBytes, minimumAmountOfEntitiesPerChunk, archetypeCapacity, entityCapacity);
    }

    /// <summary>The bytes of each archetype's first chunk (Arch 2.x's <c>BaseChunkSize</c>; 16 KiB unless set at <see cref="Create(int, int, int, int)"/>).</summary>
    public int BaseChunkSize { get; }

    /// <summary>The entities each archetype's first chunk holds at least (Arch 2.x's <c>BaseChunkEntityCount</c>; 1 unless set at <see cref="Create(int, int, int, int)"/>).</summary>
    public int BaseChunkEntityCount { get; }

    /// <summary>The room in the entity id table now (the first storage <c>entityCapacity</c> sized).</summary>
    internal int EntitySlotCapacity => slots.Length;

    /// <summary>The room in the archetype list now (the first storage <c>archetypeCapacity</c> sized).</summary>
    internal int ArchetypeListCapacity => archetypes.Capacity;
}
