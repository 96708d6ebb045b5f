using System;
using System.Linq;
using System.Text;

namespace Traktor.Ecs.Generators;

/// <summary>
/// The fragments every emitter repeats per component type: type parameter lists, XML doc lines, parameter and argument
/// lists. Doc lines end with a newline and carry their own indentation, so a template places them at column 0.
/// </summary>
internal static class ArityText
{
    /// <summary><c>T0, T1, …</c> for <paramref name="n"/> types.</summary>
    public static string TypeParams(int n) => Join(n, ", ", i => $"T{i}");

    /// <summary><c>T0,T1,…</c>: the compact form used inside <c>&lt;c&gt;</c> doc text.</summary>
    public static string CompactTypeParams(int n) => Join(n, ",", i => $"T{i}");

    /// <summary>One <c>typeparam</c> doc line per type, indented for a member (or not, for a top-level type).</summary>
    public static string TypeDocs(int n, string what = "A component type.", string indent = "    ") =>
        Lines(n, i => $"{indent}/// <typeparam name=\"T{i}\">{what}</typeparam>");

    /// <summary>One <c>param</c> doc line per <c>t{i}</c> parameter.</summary>
    public static string ParamDocs(int n, Func<int, string> what, string indent = "    ") =>
        Lines(n, i => $"{indent}/// <param name=\"t{i}\">{what(i)}</param>");

    /// <summary><c>in T0 t0, in T1 t1, …</c>, optionally each <c>= default!</c>.</summary>
    public static string InParams(int n, bool withDefaults = false) =>
        Join(n, ", ", i => $"in T{i} t{i}" + (withDefaults ? " = default!" : ""));

    /// <summary><c>in t0, in t1, …</c>: the arguments passing those parameters on.</summary>
    public static string InArgs(int n) => Join(n, ", ", i => $"in t{i}");

    /// <summary><c>Component&lt;T0&gt;.ComponentType, …</c>: the types as a collection expression's items.</summary>
    public static string ComponentTypes(int n) => Join(n, ", ", i => $"Component<T{i}>.ComponentType");

    /// <summary>One item per type, separated.</summary>
    public static string Join(int n, string separator, Func<int, string> item) =>
        string.Join(separator, Enumerable.Range(0, n).Select(item));

    /// <summary>One line (newline-terminated) per type.</summary>
    public static string Lines(int n, Func<int, string> line)
    {
        var text = new StringBuilder();
        for (int i = 0; i < n; i++)
        {
            text.Append(line(i)).Append('\n');
        }

        return text.ToString();
    }
}
