using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net.Tests.Transport;

/// <summary>
/// The memory a system under test keeps: the bytes of every object reachable from its roots through instance fields
/// and array elements, each counted once. Unlike <see cref="GC.GetTotalMemory(bool)"/>, which counts the whole process
/// (other tests running beside a soak once made it 8.3 MB against a 5 MB bound), it counts only what the roots hold,
/// and without a collection, so it is the same on every run. The walk stops at what is not the system's own: objects
/// of the test assembly (recorders, loggers, the recording wire in front of the simulated network), delegates (event
/// handlers lead back into the test), loggers, clocks, types and metric instruments (shared by the process). Static
/// fields are not walked: a leak into one would not be seen here. Sizes follow the 64-bit layout without padding
/// (an object: 16-byte header and its fields; an array: 24 bytes and its elements): a slight underestimate.
/// </summary>
internal static class RetainedGraph
{
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> Fields = new();
    private static readonly ConcurrentDictionary<Type, int> ValueSizes = new();
    private static readonly Assembly TestAssembly = typeof(RetainedGraph).Assembly;

    /// <summary>The bytes reachable from <paramref name="roots"/>; <paramref name="byType"/>, when given, receives them by type (for a failure's message).</summary>
    public static long Bytes(IEnumerable<object> roots, Dictionary<Type, long>? byType = null)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>();
        foreach (var root in roots) Visit(root, seen, pending);
        long total = 0;
        while (pending.TryPop(out var item))
        {
            long size = SizeAndChildren(item, seen, pending);
            total += size;
            if (byType is not null) byType[item.GetType()] = byType.GetValueOrDefault(item.GetType()) + size;
        }
        return total;
    }

    /// <summary>The largest contributors of <paramref name="byType"/>, for a message.</summary>
    public static string Largest(Dictionary<Type, long> byType, int count = 8) =>
        string.Join(", ", byType.OrderByDescending(p => p.Value).Take(count).Select(p => $"{p.Key.Name} {p.Value:N0}"));

    private static void Visit(object? value, HashSet<object> seen, Stack<object> pending)
    {
        if (value is null || Stops(value) || !seen.Add(value)) return;
        pending.Push(value);
    }

    private static bool Stops(object value)
    {
        var type = value.GetType();
        if (type.IsArray) return false;
        return type.Assembly == TestAssembly || value is Delegate or MemberInfo or ILogger or ILoggerFactory or TimeProvider
            or System.Diagnostics.Metrics.Instrument or System.Diagnostics.Metrics.Meter or Thread;
    }

    private static long SizeAndChildren(object item, HashSet<object> seen, Stack<object> pending)
    {
        if (item is string text) return 22 + 2L * text.Length;
        if (item is Array array)
        {
            var element = array.GetType().GetElementType()!;
            long size = 24 + (long)array.Length * (element.IsValueType ? ValueSize(element) : IntPtr.Size);
            if (element.IsPrimitive || element.IsEnum || element.IsPointer || (element.IsValueType && !HoldsReferences(element))) return size;
            foreach (var value in array)
            {
                if (element.IsValueType) VisitFieldsOf(value, seen, pending);
                else Visit(value, seen, pending);
            }
            return size;
        }
        var type = item.GetType();
        if (type.IsValueType) return 16 + ValueSize(type); // a boxed value
        long bytes = 16;
        foreach (var field in FieldsOf(type))
        {
            bytes += FieldSize(field.FieldType);
            if (field.FieldType.IsPointer || field.FieldType.IsFunctionPointer || field.FieldType.IsPrimitive || field.FieldType.IsEnum) continue;
            var value = field.GetValue(item);
            if (field.FieldType.IsValueType) VisitFieldsOf(value, seen, pending);
            else Visit(value, seen, pending);
        }
        return bytes;
    }

    /// <summary>The references inside a struct (boxed here), walked as its holder's.</summary>
    private static void VisitFieldsOf(object? boxed, HashSet<object> seen, Stack<object> pending)
    {
        if (boxed is null) return; // a Nullable<T> without a value
        var type = boxed.GetType();
        if (!HoldsReferences(type)) return;
        foreach (var field in FieldsOf(type))
        {
            if (field.FieldType.IsPointer || field.FieldType.IsFunctionPointer || field.FieldType.IsPrimitive || field.FieldType.IsEnum) continue;
            var value = field.GetValue(boxed);
            if (field.FieldType.IsValueType) VisitFieldsOf(value, seen, pending);
            else Visit(value, seen, pending);
        }
    }

    private static bool HoldsReferences(Type type) =>
        !type.IsPrimitive && !type.IsEnum && !type.IsPointer &&
        (!type.IsValueType || FieldsOf(type).Any(f => !f.FieldType.IsValueType || (f.FieldType != type && HoldsReferences(f.FieldType))));

    private static FieldInfo[] FieldsOf(Type type) => Fields.GetOrAdd(type, static t =>
    {
        var fields = new List<FieldInfo>();
        for (var at = t; at is not null; at = at.BaseType)
            fields.AddRange(at.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly));
        return fields.ToArray();
    });

    private static int FieldSize(Type type) => type.IsValueType && !type.IsPointer && !type.IsFunctionPointer ? ValueSize(type) : IntPtr.Size;

    private static int ValueSize(Type type) => ValueSizes.GetOrAdd(type, static t =>
    {
        if (t.IsEnum) t = Enum.GetUnderlyingType(t);
        if (t.IsPrimitive) return t == typeof(bool) || t == typeof(byte) || t == typeof(sbyte) ? 1
            : t == typeof(short) || t == typeof(ushort) || t == typeof(char) ? 2
            : t == typeof(int) || t == typeof(uint) || t == typeof(float) ? 4 : 8;
        int size = FieldsOf(t).Sum(f => FieldSize(f.FieldType));
        return Math.Max(1, size);
    });
}
