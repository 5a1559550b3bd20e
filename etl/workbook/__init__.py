"""Reading a return workbook safely (`read`, `extent`) and the layout writers and readers share (`layout`)."""
