using static Traktor.Ecs.Generators.ArityText;

namespace Traktor.Ecs.Generators;

/// <summary>The statement lines the chunk accessors share: look up each column, then mark each one changed.</summary>
internal static class ChunkText
{
    /// <summary><c>int cI = RequireColumn&lt;TI&gt;("operation");</c> per type (the name goes into the exception).</summary>
    public static string RequireColumns(int n, string operation) =>
        Lines(n, i => $"        int c{i} = RequireColumn<T{i}>(\"{operation}\");");

    /// <summary><c>versions[cI] = version;</c> per type: the columns count as written.</summary>
    public static string MarkChanged(int n) => Lines(n, i => $"        versions[c{i}] = version;");
}
