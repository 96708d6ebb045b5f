using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// A value as the docs' option tables write it, and whether it equals a value read from the code. The grammar, after a
/// trailing "(…)" remark is dropped (<c>0 (every tick)</c> is 0):
/// <list type="bullet">
/// <item>empty or "—": no value (null, an empty string or an empty collection);</item>
/// <item>a number with thousands separators and an optional size unit: <c>65,536</c>, <c>1.5</c>, <c>512 KiB</c>,
/// <c>16 MiB</c>, <c>1 GiB</c>, <c>1,024 bytes</c>;</item>
/// <item>a time: a number and <c>ms</c>, <c>s</c>, <c>min</c>, <c>h</c> or <c>days</c> (only for a <see cref="TimeSpan"/>);</item>
/// <item>a word, backticked or not: <c>true</c>/<c>false</c> or an enum member's name;</item>
/// <item>for a string member, its exact text.</item>
/// </list>
/// Anything else ("half the cores") does not parse: the table must then list the member as not checked.
/// </summary>
public static partial class DocumentedValue
{
    [GeneratedRegex(@"^(?<number>-?\d{1,3}(?:,\d{3})*(?:\.\d+)?|-?\d+(?:\.\d+)?)(?:\s*(?<unit>KiB|MiB|GiB|bytes|ms|s|min|h|days))?$")]
    private static partial Regex Quantity();

    [GeneratedRegex(@"^[A-Za-z_][\w.\-]*$")]
    private static partial Regex Word();

    /// <summary>The cell's text without a trailing remark in parentheses and without backticks around a single word.</summary>
    public static string Strip(string cell)
    {
        string text = cell.Trim();
        if (text.EndsWith(')') && text.LastIndexOf(" (", StringComparison.Ordinal) is int open and > 0)
        {
            text = text[..open].Trim();
        }
        else if (text.StartsWith('(') && text.EndsWith(')'))
        {
            text = "";
        }

        return text.Length > 1 && text[0] == '`' && text[^1] == '`' ? text[1..^1] : text;
    }

    /// <summary>
    /// Whether <paramref name="documented"/> (a cell's text after <see cref="Strip"/>) equals <paramref name="actual"/>;
    /// <paramref name="problem"/> says why not, or that the text does not parse.
    /// </summary>
    public static bool Matches(string documented, object? actual, out string problem)
    {
        problem = "";
        if (documented is "" or "—" or "-")
        {
            bool empty = actual is null || actual is string { Length: 0 } || actual is IEnumerable sequence and not string && !sequence.Cast<object>().Any();
            problem = empty ? "" : $"documented as no value, but it is {Show(actual)}";
            return empty;
        }

        if (actual is string exact)
        {
            problem = exact == documented ? "" : $"documented {documented}, but it is {Show(actual)}";
            return problem == "";
        }

        var quantity = Quantity().Match(documented);
        if (quantity.Success)
        {
            decimal number = decimal.Parse(quantity.Groups["number"].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
            string unit = quantity.Groups["unit"].Value;
            if (actual is TimeSpan time)
            {
                decimal? seconds = unit switch
                {
                    "ms" => number / 1000m,
                    "s" => number,
                    "min" => number * 60m,
                    "h" => number * 3600m,
                    "days" => number * 86400m,
                    _ => null,
                };
                if (seconds is null)
                {
                    problem = $"'{documented}' is not a time (a number with ms, s, min, h or days), but the member is a TimeSpan ({Show(actual)})";
                    return false;
                }

                problem = (decimal)time.TotalSeconds == seconds ? "" : $"documented {documented}, but it is {Show(actual)}";
                return problem == "";
            }

            decimal scale = unit switch { "KiB" => 1024m, "MiB" => 1024m * 1024, "GiB" => 1024m * 1024 * 1024, "" or "bytes" => 1m, _ => 0m };
            if (scale == 0m || actual is null || actual is bool || actual is Enum || !IsNumber(actual))
            {
                problem = $"'{documented}' does not fit the member's value {Show(actual)}";
                return false;
            }

            decimal value = Convert.ToDecimal(actual, CultureInfo.InvariantCulture);
            problem = value == number * scale ? "" : $"documented {documented}, but it is {Show(actual)}";
            return problem == "";
        }

        if (Word().IsMatch(documented) && actual is bool or Enum)
        {
            string text = actual is bool flag ? (flag ? "true" : "false") : actual.ToString()!;
            problem = text == documented ? "" : $"documented {documented}, but it is {Show(actual)}";
            return problem == "";
        }

        problem = $"'{documented}' does not parse as a documented value (a number with an optional unit, a time, a word, or — for none)";
        return false;
    }

    private static bool IsNumber(object value) =>
        value is byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal;

    private static string Show(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
