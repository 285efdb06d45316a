//! Computed parameters: a field written `"= max(live2 - live1, 0)"` takes the value of an
//! arithmetic expression over numeric `[params]`, so one scenario file can derive counts
//! from its knobs (a live-heap step up or down from `live1` and `live2`).
//!
//! Grammar: numbers, parameter names, `+ - * /`, parentheses, unary minus, `min(a, b, …)`
//! and `max(a, b, …)`. Evaluation is in `f64`; a whole result becomes a TOML integer. A boolean
//! parameter counts as 1 or 0, so `n = "= ptr"` repeats a block only when `ptr = true`.

/// Evaluates `src` with `param` resolving names to numbers (`Err` names the problem).
pub fn eval(src: &str, param: &dyn Fn(&str) -> Result<f64, String>) -> Result<f64, String> {
    let mut p = Parser {
        s: src.as_bytes(),
        i: 0,
        param,
    };
    let v = p.sum()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!(
            "unexpected `{}` in expression `{src}`",
            &src[p.i..]
        ));
    }
    if !v.is_finite() {
        return Err(format!("expression `{src}` is not a finite number"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    param: &'a dyn Fn(&str) -> Result<f64, String>,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn sum(&mut self) -> Result<f64, String> {
        let mut v = self.product()?;
        loop {
            if self.eat(b'+') {
                v += self.product()?;
            } else if self.eat(b'-') {
                v -= self.product()?;
            } else {
                return Ok(v);
            }
        }
    }

    fn product(&mut self) -> Result<f64, String> {
        let mut v = self.unary()?;
        loop {
            if self.eat(b'*') {
                v *= self.unary()?;
            } else if self.eat(b'/') {
                let d = self.unary()?;
                if d == 0.0 {
                    return Err("division by zero in expression".into());
                }
                v /= d;
            } else {
                return Ok(v);
            }
        }
    }

    fn unary(&mut self) -> Result<f64, String> {
        if self.eat(b'-') {
            return Ok(-self.unary()?);
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<f64, String> {
        if self.eat(b'(') {
            let v = self.sum()?;
            return if self.eat(b')') {
                Ok(v)
            } else {
                Err("missing `)` in expression".into())
            };
        }
        self.ws();
        let start = self.i;
        let c = *self.s.get(self.i).ok_or("expression ends too early")?;
        if c.is_ascii_digit() || c == b'.' {
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_digit()
                    || self.s[self.i] == b'.'
                    || self.s[self.i] == b'_')
            {
                self.i += 1;
            }
            let text = std::str::from_utf8(&self.s[start..self.i])
                .unwrap_or_default()
                .replace('_', "");
            return text
                .parse()
                .map_err(|_| format!("`{text}` is not a number"));
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while self.i < self.s.len()
                && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_')
            {
                self.i += 1;
            }
            let name = std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
            if name == "min" || name == "max" {
                if !self.eat(b'(') {
                    return Err(format!("`{name}` needs arguments: `{name}(a, b)`"));
                }
                let mut v = self.sum()?;
                while self.eat(b',') {
                    let x = self.sum()?;
                    v = if name == "min" { v.min(x) } else { v.max(x) };
                }
                if !self.eat(b')') {
                    return Err(format!("missing `)` after the arguments of `{name}`"));
                }
                return Ok(v);
            }
            return (self.param)(name);
        }
        Err(format!("unexpected `{}` in expression", c as char))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str) -> Result<f64, String> {
        eval(s, &|n| match n {
            "live1" => Ok(128.0),
            "live2" => Ok(32.0),
            _ => Err(format!("unknown `{n}`")),
        })
    }

    #[test]
    fn arithmetic_precedence_and_functions() {
        assert_eq!(ev("max(live2 - live1, 0)"), Ok(0.0));
        assert_eq!(ev("max(live1 - live2, 0)"), Ok(96.0));
        assert_eq!(ev("min(live1, live2) * 2 + 1"), Ok(65.0));
        assert_eq!(ev("-(1 + 2) * 3 / 2"), Ok(-4.5));
        assert_eq!(ev("1_000 / 8"), Ok(125.0));
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(ev("live3 + 1").unwrap_err().contains("live3"));
        assert!(ev("1 / 0").unwrap_err().contains("division"));
        assert!(ev("(1 + 2").unwrap_err().contains(")"));
        assert!(ev("1 + ").is_err());
        assert!(ev("2 2").unwrap_err().contains("unexpected"));
    }
}
