def home_sections(user) -> list:
    return []
