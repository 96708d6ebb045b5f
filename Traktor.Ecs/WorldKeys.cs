using System.Runtime.CompilerServices;

namespace Traktor.Ecs;

/// <summary>
/// The world key an <see cref="Entity"/> carries: <c>(generation &lt;&lt; 16) | (world id + 1)</c>. Key 0
/// is "no world" (<c>default(Entity)</c>). Worlds have generations from 1, bumped each time their id is
/// reused; a key with generation 0 comes from a hand-built handle and names the world by id only.
/// </summary>
internal static class WorldKeys
{
    /// <summary>The bits holding <c>world id + 1</c>; world ids run from 0 to <c>SlotMask - 1</c>.</summary>
    public const int SlotMask = 0xFFFF;

    /// <summary>The largest generation; the next one wraps to 1.</summary>
    public const int MaxGeneration = 0x7FFF;

    private const int GenerationShift = 16;

    /// <summary>The key of the world with <paramref name="worldId"/> in its <paramref name="generation"/> (1..<see cref="MaxGeneration"/>).</summary>
    public static int Make(int worldId, int generation) => (generation << GenerationShift) | (worldId + 1);

    /// <summary>The world id a key names (-1 for key 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WorldId(int key) => (key & SlotMask) - 1;

    /// <summary>
    /// True when a handle carrying <paramref name="handleKey"/> belongs to the world keyed <paramref name="worldKey"/>:
    /// the same key, or a hand-built handle (generation 0) naming the same world id.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Matches(int handleKey, int worldKey) =>
        handleKey == worldKey || (handleKey >> GenerationShift == 0 && handleKey != 0 && handleKey == (worldKey & SlotMask));
}
