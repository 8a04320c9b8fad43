namespace MeshProxy.Xds.Schema;

/// <summary>Why a JSON scalar is not a value of a field's type (<see cref="JsonScalars"/>).</summary>
internal enum ScalarError
{
    None,

    /// <summary>A JSON kind the type never takes (a number for a string field).</summary>
    WrongKind,

    /// <summary>A fraction where an integer is needed.</summary>
    NotInteger,

    OutOfRange,

    /// <summary>Text that is not a number of the type at all.</summary>
    Invalid,
}
