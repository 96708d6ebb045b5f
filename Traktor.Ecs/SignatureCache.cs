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

/// <summary>The static cache of one <c>Create</c> signature: its id and its component types.</summary>
/// <typeparam name="T0">A component type.</typeparam>
internal static class Signature<T0>
{
    public static readonly ComponentType[] Types = [Component<T0>.ComponentType];
    public static readonly int Id = SignatureIds.Next();
}

/// <summary>The static cache of one <c>Create</c> signature: its id and its component types.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
internal static class Signature<T0, T1>
{
    public static readonly ComponentType[] Types = [Component<T0>.ComponentType, Component<T1>.ComponentType];
    public static readonly int Id = SignatureIds.Next();
}

/// <summary>The static cache of one <c>Create</c> signature: its id and its component types.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
internal static class Signature<T0, T1, T2>
{
    public static readonly ComponentType[] Types = [Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType];
    public static readonly int Id = SignatureIds.Next();
}

/// <summary>The static cache of one <c>Create</c> signature: its id and its component types.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
/// <typeparam name="T3">A component type.</typeparam>
internal static class Signature<T0, T1, T2, T3>
{
    public static readonly ComponentType[] Types = [Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType];
    public static readonly int Id = SignatureIds.Next();
}

/// <summary>The static cache of one <c>Create</c> signature: its id and its component types.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
/// <typeparam name="T3">A component type.</typeparam>
/// <typeparam name="T4">A component type.</typeparam>
internal static class Signature<T0, T1, T2, T3, T4>
{
    public static readonly ComponentType[] Types = [Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType, Component<T4>.ComponentType];
    public static readonly int Id = SignatureIds.Next();
}

/// <summary>The static cache of one <c>Create</c> signature: its id and its component types.</summary>
/// <typeparam name="T0">A component type.</typeparam>
/// <typeparam name="T1">A component type.</typeparam>
/// <typeparam name="T2">A component type.</typeparam>
/// <typeparam name="T3">A component type.</typeparam>
/// <typeparam name="T4">A component type.</typeparam>
/// <typeparam name="T5">A component type.</typeparam>
internal static class Signature<T0, T1, T2, T3, T4, T5>
{
    public static readonly ComponentType[] Types = [Component<T0>.ComponentType, Component<T1>.ComponentType, Component<T2>.ComponentType, Component<T3>.ComponentType, Component<T4>.ComponentType, Component<T5>.ComponentType];
    public static readonly int Id = SignatureIds.Next();
}
