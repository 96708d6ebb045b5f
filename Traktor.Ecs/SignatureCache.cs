namespace Traktor.Ecs;

/// <summary>Hands out ids for the static signature caches used by <c>World.Create&lt;…&gt;</c>.</summary>
internal static class SignatureIds
{
    private static int next = -1;

    public static int Next() => Interlocked.Increment(ref next);

    /// <summary>
    /// Rejects a component list that names one type twice. Called on the slow path only (a signature
    /// whose archetype is not cached yet), never from a static initializer: a throwing type
    /// initializer would surface as a <see cref="TypeInitializationException"/> and poison the type.
    /// </summary>
    public static void ThrowIfDuplicate(ReadOnlySpan<ComponentType> types)
    {
        for (int i = 0; i < types.Length; i++)
        {
            for (int j = i + 1; j < types.Length; j++)
            {
                if (types[i] == types[j])
                {
                    throw new EcsException($"World.Create names component {types[i].Type.Name} twice; an entity holds at most one of each type.");
                }
            }
        }
    }
}
