using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>The body every sequential query shape shares: columns per archetype, then a tight loop per chunk.</summary>
internal static class QueryLoopText
{
    /// <summary>
    /// The method body calling <paramref name="call"/> per entity; <paramref name="call"/> gets the <c>ref</c> arguments
    /// (<c>ref Unsafe.Add(ref r0, i), …</c>) and may use <c>entities[i]</c>, which then is loaded per chunk.
    /// </summary>
    public static string Body(int n, System.Func<string, string> call, bool passesEntity)
    {
        string columns = Lines(n, i => $"                int c{i} = RequireQueryColumn<T{i}>(archetype);");
        string firsts = Lines(n, i => $"                    ref T{i} r{i} = ref chunk.FirstForWrite<T{i}>(c{i}, version);");
        string refs = Join(n, ", ", i => $"ref Unsafe.Add(ref r{i}, i)");
        string entities = passesEntity ? "                    var entities = chunk.EntityArray;\n" : "";
        return $$"""
                {
                    var query = Query(in description);
                    uint version = ChangeVersion;
                    EnterIteration();
                    try
                    {
                        foreach (var archetype in query.Archetypes)
                        {
            {{columns}}                var chunks = archetype.ChunkArray;
                            for (int c = 0; c < archetype.ChunkCount; c++)
                            {
                                ref var chunk = ref chunks[c];
            {{firsts}}{{entities}}                    int count = chunk.Count;
                                for (int i = 0; i < count; i++)
                                {
                                    {{call(refs)}};
                                }
                            }
                        }
                    }
                    finally
                    {
                        ExitIteration();
                    }
                }
            """;
    }
}
