//! Tera templates as bytes: the default theme is parsed when oproep is compiled (`build.rs`),
//! so that a build does not parse it again. Parsing the 20 templates with Tera's parser took a
//! quarter of the CPU time of a small site's build.
//!
//! The format is private to one binary: `build.rs` writes it and the same source decodes it,
//! with the same Tera version (`~1.20` in Cargo.toml). Anything that does not decode is parsed
//! from its source instead. This file is also compiled into `build.rs`, so it uses only `std`
//! and `tera`.

use std::collections::HashMap;

use tera::Template;
use tera::ast::*;

/// A value that can be written as bytes and read back.
pub trait Codec: Sized {
    fn put(&self, out: &mut Vec<u8>);
    /// `None` when the bytes do not hold a value of this type.
    fn take(input: &mut &[u8]) -> Option<Self>;
}

fn take_bytes<'a>(input: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if input.len() < n {
        return None;
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Some(head)
}

fn take_tag(input: &mut &[u8]) -> Option<u8> {
    take_bytes(input, 1).map(|b| b[0])
}

impl Codec for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match take_tag(input)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Codec for u64 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        Some(u64::from_le_bytes(take_bytes(input, 8)?.try_into().ok()?))
    }
}

impl Codec for i64 {
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        Some(i64::from_le_bytes(take_bytes(input, 8)?.try_into().ok()?))
    }
}

impl Codec for f64 {
    fn put(&self, out: &mut Vec<u8>) {
        self.to_bits().put(out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        u64::take(input).map(f64::from_bits)
    }
}

fn put_len(len: usize, out: &mut Vec<u8>) {
    (len as u64).put(out);
}

fn take_len(input: &mut &[u8]) -> Option<usize> {
    let len = usize::try_from(u64::take(input)?).ok()?;
    // Every element takes at least one byte: a longer count is a broken input, not a reason
    // to reserve memory.
    (len <= input.len()).then_some(len)
}

impl Codec for String {
    fn put(&self, out: &mut Vec<u8>) {
        put_len(self.len(), out);
        out.extend_from_slice(self.as_bytes());
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let len = take_len(input)?;
        String::from_utf8(take_bytes(input, len)?.to_vec()).ok()
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn put(&self, out: &mut Vec<u8>) {
        put_len(self.len(), out);
        self.iter().for_each(|item| item.put(out));
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let len = take_len(input)?;
        // Allocated once at its length (a collected `Option<Vec>` cannot know it and grows by
        // doubling, copying and touching fresh memory each time); every item takes at least a
        // byte, so bytes that are not this format cannot ask for more.
        let mut items = Vec::with_capacity(len.min(input.len()));
        for _ in 0..len {
            items.push(T::take(input)?);
        }
        Some(items)
    }
}

impl<T: Codec> Codec for Option<T> {
    fn put(&self, out: &mut Vec<u8>) {
        self.is_some().put(out);
        if let Some(value) = self {
            value.put(out);
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        match bool::take(input)? {
            true => T::take(input).map(Some),
            false => Some(None),
        }
    }
}

impl<T: Codec> Codec for Box<T> {
    fn put(&self, out: &mut Vec<u8>) {
        (**self).put(out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        T::take(input).map(Box::new)
    }
}

impl<T: Codec> Codec for HashMap<String, T> {
    fn put(&self, out: &mut Vec<u8>) {
        // In key order, so that the same templates always give the same bytes.
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        put_len(entries.len(), out);
        for (key, value) in entries {
            key.put(out);
            value.put(out);
        }
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let len = take_len(input)?;
        (0..len)
            .map(|_| Some((String::take(input)?, T::take(input)?)))
            .collect()
    }
}

impl<A: Codec, B: Codec> Codec for (A, B) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        Some((A::take(input)?, B::take(input)?))
    }
}

impl<A: Codec, B: Codec, C: Codec> Codec for (A, B, C) {
    fn put(&self, out: &mut Vec<u8>) {
        self.0.put(out);
        self.1.put(out);
        self.2.put(out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        Some((A::take(input)?, B::take(input)?, C::take(input)?))
    }
}

/// A struct whose fields are all written, in the order given.
macro_rules! codec_struct {
    ($name:ident { $($field:ident),* $(,)? }) => {
        impl Codec for $name {
            fn put(&self, out: &mut Vec<u8>) {
                $(self.$field.put(out);)*
            }
            fn take(input: &mut &[u8]) -> Option<Self> {
                Some($name { $($field: Codec::take(input)?),* })
            }
        }
    };
}

/// An enum whose variants have no fields, as a one-byte tag each.
macro_rules! codec_unit_enum {
    ($name:ident { $($variant:ident = $tag:literal),* $(,)? }) => {
        impl Codec for $name {
            fn put(&self, out: &mut Vec<u8>) {
                out.push(match self { $($name::$variant => $tag),* });
            }
            fn take(input: &mut &[u8]) -> Option<Self> {
                match take_tag(input)? {
                    $($tag => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

codec_struct!(WS { left, right });
codec_unit_enum!(MathOperator { Add = 0, Sub = 1, Mul = 2, Div = 3, Modulo = 4 });
codec_unit_enum!(LogicOperator { Gt = 0, Gte = 1, Lt = 2, Lte = 3, Eq = 4, NotEq = 5, And = 6, Or = 7 });
codec_struct!(FunctionCall { name, args });
codec_struct!(MathExpr { lhs, rhs, operator });
codec_struct!(LogicExpr { lhs, rhs, operator });
codec_struct!(StringConcat { values });
codec_struct!(In { lhs, rhs, negated });
codec_struct!(Expr {
    val,
    negated,
    filters
});
codec_struct!(Test {
    ident,
    negated,
    name,
    args
});
codec_struct!(FilterSection { filter, body });
codec_struct!(Set { key, value, global });
codec_struct!(MacroCall {
    namespace,
    name,
    args
});
codec_struct!(MacroDefinition { name, args, body });
codec_struct!(Block { name, body });
codec_struct!(Forloop {
    key,
    value,
    container,
    body,
    empty_body
});
codec_struct!(If {
    conditions,
    otherwise
});

// Every variant is named, with no catch-all arm: a Tera update that adds one fails to compile
// here instead of losing part of a template.
impl Codec for ExprVal {
    fn put(&self, out: &mut Vec<u8>) {
        let (tag, value): (u8, &dyn Put) = match self {
            ExprVal::String(v) => (0, v),
            ExprVal::Int(v) => (1, v),
            ExprVal::Float(v) => (2, v),
            ExprVal::Bool(v) => (3, v),
            ExprVal::Ident(v) => (4, v),
            ExprVal::Math(v) => (5, v),
            ExprVal::Logic(v) => (6, v),
            ExprVal::Test(v) => (7, v),
            ExprVal::MacroCall(v) => (8, v),
            ExprVal::FunctionCall(v) => (9, v),
            ExprVal::Array(v) => (10, v),
            ExprVal::StringConcat(v) => (11, v),
            ExprVal::In(v) => (12, v),
        };
        out.push(tag);
        value.put_dyn(out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let i = input;
        Some(match take_tag(i)? {
            0 => ExprVal::String(Codec::take(i)?),
            1 => ExprVal::Int(Codec::take(i)?),
            2 => ExprVal::Float(Codec::take(i)?),
            3 => ExprVal::Bool(Codec::take(i)?),
            4 => ExprVal::Ident(Codec::take(i)?),
            5 => ExprVal::Math(Codec::take(i)?),
            6 => ExprVal::Logic(Codec::take(i)?),
            7 => ExprVal::Test(Codec::take(i)?),
            8 => ExprVal::MacroCall(Codec::take(i)?),
            9 => ExprVal::FunctionCall(Codec::take(i)?),
            10 => ExprVal::Array(Codec::take(i)?),
            11 => ExprVal::StringConcat(Codec::take(i)?),
            12 => ExprVal::In(Codec::take(i)?),
            _ => return None,
        })
    }
}

impl Codec for Node {
    fn put(&self, out: &mut Vec<u8>) {
        let (tag, fields): (u8, &[&dyn Put]) = match self {
            Node::Super => (0, &[]),
            Node::Text(text) => (1, &[text]),
            Node::VariableBlock(ws, expr) => (2, &[ws, expr]),
            Node::MacroDefinition(a, definition, b) => (3, &[a, definition, b]),
            Node::Extends(ws, name) => (4, &[ws, name]),
            Node::Include(ws, names, ignore_missing) => (5, &[ws, names, ignore_missing]),
            Node::ImportMacro(ws, file, namespace) => (6, &[ws, file, namespace]),
            Node::Set(ws, set) => (7, &[ws, set]),
            Node::Raw(a, text, b) => (8, &[a, text, b]),
            Node::FilterSection(a, section, b) => (9, &[a, section, b]),
            Node::Block(a, block, b) => (10, &[a, block, b]),
            Node::Forloop(a, forloop, b) => (11, &[a, forloop, b]),
            Node::If(condition, ws) => (12, &[condition, ws]),
            Node::Break(ws) => (13, &[ws]),
            Node::Continue(ws) => (14, &[ws]),
            Node::Comment(ws, text) => (15, &[ws, text]),
        };
        out.push(tag);
        fields.iter().for_each(|field| field.put_dyn(out));
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        let i = input;
        fn t<T: Codec>(input: &mut &[u8]) -> Option<T> {
            T::take(input)
        }
        Some(match take_tag(i)? {
            0 => Node::Super,
            1 => Node::Text(t(i)?),
            2 => Node::VariableBlock(t(i)?, t(i)?),
            3 => Node::MacroDefinition(t(i)?, t(i)?, t(i)?),
            4 => Node::Extends(t(i)?, t(i)?),
            5 => Node::Include(t(i)?, t(i)?, t(i)?),
            6 => Node::ImportMacro(t(i)?, t(i)?, t(i)?),
            7 => Node::Set(t(i)?, t(i)?),
            8 => Node::Raw(t(i)?, t(i)?, t(i)?),
            9 => Node::FilterSection(t(i)?, t(i)?, t(i)?),
            10 => Node::Block(t(i)?, t(i)?, t(i)?),
            11 => Node::Forloop(t(i)?, t(i)?, t(i)?),
            12 => Node::If(t(i)?, t(i)?),
            13 => Node::Break(t(i)?),
            14 => Node::Continue(t(i)?),
            15 => Node::Comment(t(i)?, t(i)?),
            _ => return None,
        })
    }
}

/// [`Codec::put`] for values of different types side by side.
trait Put {
    fn put_dyn(&self, out: &mut Vec<u8>);
}

impl<T: Codec> Put for T {
    fn put_dyn(&self, out: &mut Vec<u8>) {
        self.put(out);
    }
}

/// A parsed template, before Tera links it to the templates it extends (which it does again
/// for every set of templates, so that part is not stored).
impl Codec for Template {
    fn put(&self, out: &mut Vec<u8>) {
        self.name.put(out);
        self.ast.put(out);
        self.macros.put(out);
        self.imported_macro_files.put(out);
        self.parent.put(out);
        self.blocks.put(out);
    }
    fn take(input: &mut &[u8]) -> Option<Self> {
        Some(Template {
            name: Codec::take(input)?,
            path: None,
            ast: Codec::take(input)?,
            from_extend: false,
            macros: Codec::take(input)?,
            imported_macro_files: Codec::take(input)?,
            parent: Codec::take(input)?,
            blocks: Codec::take(input)?,
            parents: Vec::new(),
            blocks_definitions: HashMap::new(),
        })
    }
}

/// Templates with the source each was parsed from, as `build.rs` writes them.
pub type ParsedTemplates = Vec<(String, Template)>;
